import { UserError } from '../util/errors';
import { associate, type AssociationOptions, type RawTrack } from './association';
import { smoothSequence, type OneEuroParams } from './one-euro';
import { MESH_POINTS, type FaceObservation, type FaceTrack, type TrackSample, type TrackingResult } from './types';

/** Settings of {@link buildTracks}. */
export interface TrackerOptions {
  /** Frame rate (frames per second) to turn frame indices into filter timestamps. Default 25. */
  fps: number;
  /** Gaps of at most this many frames are filled by linear interpolation. Default 12 (~0.5 s at 25 fps). */
  maxGapFrames: number;
  /** Tracks observed in fewer frames are dropped as spurious detections. Default 3. */
  minTrackFrames: number;
  /** One-Euro parameters for mesh and box; speeds in face sizes per second. */
  smoothing: Partial<OneEuroParams>;
  /** Average forward and backward filter passes (no lag). Default true. */
  bidirectional: boolean;
  association: Partial<AssociationOptions>;
}

export const DEFAULT_TRACKER: TrackerOptions = {
  fps: 25,
  maxGapFrames: 12,
  minTrackFrames: 3,
  smoothing: {},
  bidirectional: true,
  association: {},
};

/**
 * Turns per-frame detections (`frames[i]` = faces in frame i) of a `width` x `height` clip into
 * smoothed tracks. Steps: {@link associate} faces into tracks; drop tracks seen in fewer than
 * `minTrackFrames` frames and renumber the rest by first appearance (id = index in `tracks`);
 * split each track where it is missing for more than `maxGapFrames`; One-Euro smooth mesh and
 * box within each piece (speeds scaled by the track's median face size); fill the short gaps by
 * linear interpolation (`interpolated: true`). Long gaps stay null and add a warning naming the
 * frame range, as does a track that does not cover the whole clip. Never throws on empty frames;
 * a clip without faces gives `tracks: []`.
 */
export function buildTracks(
  frames: FaceObservation[][],
  size: { width: number; height: number },
  options: Partial<TrackerOptions> = {},
): TrackingResult {
  const o = { ...DEFAULT_TRACKER, ...options };
  const frameCount = frames.length;
  const raw = associate(frames, o.association).filter((t) => countObserved(t) >= o.minTrackFrames);
  const warnings: string[] = [];
  const tracks = raw.map((r, id) => smoothAndFill(r, id, o, warnings));
  return { width: size.width, height: size.height, frameCount, tracks, warnings };
}

function countObserved(t: RawTrack): number {
  let n = 0;
  for (const ob of t.observations) if (ob) n++;
  return n;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function frameRange(a: number, b: number): string {
  return a === b ? `frame ${a}` : `frames ${a}-${b}`;
}

function smoothAndFill(raw: RawTrack, id: number, o: TrackerOptions, warnings: string[]): FaceTrack {
  const obs = raw.observations;
  const n = obs.length;
  const observed: number[] = [];
  obs.forEach((ob, i) => ob && observed.push(i));
  const faceSize = median(observed.map((i) => Math.sqrt(obs[i]!.box[2] * obs[i]!.box[3])));
  const scale = faceSize > 0 ? faceSize : 1;
  const frames: (TrackSample | null)[] = new Array(n).fill(null);

  // Pieces: runs of observed frames whose internal gaps are all <= maxGapFrames.
  const pieces: number[][] = [];
  for (const i of observed) {
    const piece = pieces[pieces.length - 1];
    if (piece && i - piece[piece.length - 1] - 1 <= o.maxGapFrames) piece.push(i);
    else pieces.push([i]);
  }
  const dt = 1 / o.fps;
  for (const piece of pieces) {
    const times = piece.map((i) => i * dt);
    const meshes = smoothSequence(
      piece.map((i) => obs[i]!.mesh),
      times,
      o.smoothing,
      { groupSize: 3, scale, bidirectional: o.bidirectional },
    );
    const boxes = smoothSequence(
      piece.map((i) => obs[i]!.box),
      times,
      o.smoothing,
      { groupSize: 2, scale, bidirectional: o.bidirectional },
    );
    piece.forEach((i, k) => {
      const b = boxes[k];
      frames[i] = { box: [b[0], b[1], b[2], b[3]], mesh: meshes[k], score: obs[i]!.score, interpolated: false };
    });
    for (let k = 1; k < piece.length; k++) {
      const a = piece[k - 1];
      const b = piece[k];
      for (let i = a + 1; i < b; i++) frames[i] = interpolateSample(frames[a]!, frames[b]!, (i - a) / (b - a));
    }
  }
  const seconds = (frames: number) => (frames / o.fps).toFixed(2);
  for (let p = 1; p < pieces.length; p++) {
    const from = pieces[p - 1][pieces[p - 1].length - 1] + 1;
    const to = pieces[p][0] - 1;
    warnings.push(
      `Face ${id}: not found in ${frameRange(from, to)} (${to - from + 1} frames, ${seconds(to - from + 1)} s); ` +
        `those frames are left unchanged.`,
    );
  }
  const first = observed[0];
  const last = observed[observed.length - 1];
  if (first > 0 || last < n - 1) {
    warnings.push(`Face ${id}: visible only in ${frameRange(first, last)} of 0-${n - 1}.`);
  }
  return { id, frames };
}

/**
 * Linear interpolation between two samples (`t` in [0, 1] from `a` to `b`) of mesh, box and
 * score; the result is marked `interpolated`.
 */
export function interpolateSample(a: TrackSample, b: TrackSample, t: number): TrackSample {
  const mesh = new Float32Array(MESH_POINTS * 3);
  for (let k = 0; k < mesh.length; k++) mesh[k] = a.mesh[k] + (b.mesh[k] - a.mesh[k]) * t;
  const box = a.box.map((v, k) => v + (b.box[k] - v) * t) as TrackSample['box'];
  return { box, mesh, score: a.score + (b.score - a.score) * t, interpolated: true };
}

/** Median box area (pixels^2) over a track's observed (not interpolated) frames; 0 when none. */
export function medianBoxArea(track: FaceTrack): number {
  const areas: number[] = [];
  for (const s of track.frames) if (s && !s.interpolated) areas.push(s.box[2] * s.box[3]);
  return areas.length ? median(areas) : 0;
}

/** Frames (observed or interpolated) where a track has a sample. */
export function coveredFrames(track: FaceTrack): number {
  let n = 0;
  for (const s of track.frames) if (s) n++;
  return n;
}

/** `UserError` `E_NO_FACE` with a hint about visibility and face size. */
export function noFaceError(): UserError {
  return new UserError(
    'E_NO_FACE',
    'No face was found in the video.',
    'Check that the speaker faces the camera, is not hidden, and that the face is large enough (at least about 80 pixels tall).',
  );
}

/**
 * The track with the largest median box area (the main speaker in most shots); ties go to the
 * lower id. Throws `UserError` `E_NO_FACE` when the result has no tracks.
 */
export function pickLargestTrack(result: TrackingResult): FaceTrack {
  if (result.tracks.length === 0) throw noFaceError();
  let best = result.tracks[0];
  let bestArea = medianBoxArea(best);
  for (const t of result.tracks.slice(1)) {
    const area = medianBoxArea(t);
    if (area > bestArea) {
      best = t;
      bestArea = area;
    }
  }
  return best;
}

/** One line per track for messages: id, frame range, coverage and median face size in pixels. */
export function describeTracks(result: TrackingResult): string {
  return result.tracks
    .map((t) => {
      const idx = t.frames.flatMap((s, i) => (s ? [i] : []));
      const size = Math.round(Math.sqrt(medianBoxArea(t)));
      return `${t.id}: frames ${idx[0]}-${idx[idx.length - 1]} (${idx.length} of ${result.frameCount}), ~${size} px`;
    })
    .join('; ');
}

/**
 * The track at position `index` (= its id). Throws `UserError` `E_FACE_INDEX` when `index` is not
 * an integer in range (the message lists the available tracks), `E_NO_FACE` when there are none.
 */
export function selectTrack(result: TrackingResult, index: number): FaceTrack {
  if (result.tracks.length === 0) throw noFaceError();
  if (!Number.isInteger(index) || index < 0 || index >= result.tracks.length) {
    throw new UserError(
      'E_FACE_INDEX',
      `There is no face ${index}. Faces found: ${describeTracks(result)}.`,
      `Pass a face index from 0 to ${result.tracks.length - 1}, or leave it out to use the largest face.`,
    );
  }
  return result.tracks[index];
}

