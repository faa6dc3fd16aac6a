import type { Engine, EngineDescription, EngineFrameInput, FrameRange, Patch, PreparedEngine, SegmentContext } from '../types';
import { throwIfAborted, UserError } from '../../util/errors';
import { LruMemo } from '../../util/memo';
import { median } from '../../util/stats';
import type { ChannelStats } from '../../imaging/color';
import { viterbiSelect } from './viterbi';
import { articulationFactor, visemeCost } from './viseme-cost';
import { lipClass, NO_VISEME } from '../../phonetics/visemes';
import { sealWeights } from './lip-seal';
import { openingLevels } from './viseme-cost';
import { mouthShape, shapeDistance } from './mouth-shape';
import { mouthOpening } from '../../tracking/landmarks';
import { buildWarpLayout, type WarpLayout } from './warp-geometry';
import { grainLimit } from '../../imaging/grain';
import { cropReference, finishMouth, type ColourPair, type MouthTask, type RefFrame, type SynthesizedMouth } from './mouth-warp';
import { warpLocally, warpPool } from './warp-pool';

/**
 * Per-video-frame audio context features, row-major [frameCount, dim], speaker-normalized
 * (per-track mean/variance) so the dub and the original voice are comparable.
 */
export type ContextFeatureFn = (
  samples16k: Float32Array,
  opts: { fpsNum: number; fpsDen: number; frameCount: number; contextSec: number },
) => { data: Float32Array; dim: number };

/**
 * Absolute silence: dub frames whose log RMS (natural log, full scale 1) is under -50 dBFS are
 * silent whatever the dub's own speech level.
 */
export const SILENCE_FLOOR = Math.log(10 ** (-50 / 20));

/** Per-video-frame log RMS level (natural log) of 16 kHz audio in a window around each frame. */
export type LevelFn = (samples16k: Float32Array, opts: { fpsNum: number; fpsDen: number; frameCount: number }) => Float32Array;

export interface ReferenceEngineDeps {
  contextFeatures: ContextFeatureFn;
  level: LevelFn;
}

/** The reference engine's parameter schema (ranges, defaults, help). */
export const REFERENCE_ENGINE_DESCRIPTION: EngineDescription = {
  id: 'reference',
  name: 'Reference-driven (no weights)',
  params: [
    { key: 'lambdaA', label: 'Audio match λa', min: 0, max: 5, step: 0.1, default: 1, help: 'Weight of the distance between the dubbed audio context and the audio context of each reference frame. Higher follows the dub more closely.' },
    { key: 'lambdaH', label: 'Mouth continuity λh', min: 0, max: 5, step: 0.1, default: 1, help: 'Weight of the mouth-shape jump when the chosen reference frames are not consecutive. Higher gives smoother, longer runs of the actor\'s own motion.' },
    { key: 'articulation', label: 'Articulation', min: 0, max: 10, step: 0.1, default: 1.5, help: 'How closely the mouth opening follows the loudness of the dub, mapped to the actor\'s own range of openings.' },
    { key: 'silence', label: 'Closed mouth in silence', min: 0, max: 5, step: 0.1, default: 2, help: 'How strongly silence in the dubbed audio selects closed-mouth reference frames.' },
    { key: 'energy', label: 'Energy emphasis', min: 0, max: 20, step: 0.5, default: 1, help: 'Extra weight of the loudness contour (syllable rhythm) in the audio match, relative to the spectral shape.' },
    { key: 'viseme', label: 'Viseme match', min: 0, max: 5, step: 0.1, default: 1, help: 'Weight of the agreement between the phones of the dub and of the reference frames (from the script or a phone recognizer): lips close on p b m, touch the teeth on f v, stay shut in silence. 0 = audio features alone.' },
    { key: 'contextMs', label: 'Audio context (ms)', min: 80, max: 1200, step: 20, default: 360, help: 'Width of the audio window compared around each frame (coarticulation spans a few hundred ms).' },
    { key: 'cutBlend', label: 'Cut blend', min: 0, max: 0.9, step: 0.05, default: 0.5, help: 'At a jump between stretches of the reference, how much of the frame that would have come next is blended in (0 = hard cut).' },
    { key: 'colourMatch', label: 'Colour match', min: 0, max: 1, step: 1, default: 1, integer: true, help: 'Match the colour of the inner mouth brought from the reference (teeth, tongue) to the lips of the target frame (mean/std per channel).' },
    { key: 'fadeFrames', label: 'Fade frames', min: 0, max: 25, step: 1, default: 4, integer: true, help: 'Frames over which the new mouth moves in at the start of a range and back to the original at its end, so a range end never snaps.' },
  ],
  needs: { weights: false, lipHabitReference: true, referenceAudio: true },
  notes: [],
  acceptsCroppedFrames: true,
  faceMatte: true,
};

/**
 * Per-frame amount of the new mouth over a range of `length` frames: 1 inside, rising over the
 * first `fadeFrames` frames and falling over the last ones (smoothstep), so the mouth moves in
 * and back to the original instead of snapping. Never 0 inside the range (the first frame is
 * already a step in).
 * @returns t (0-based frame in the range) -> amount in (0, 1].
 */
export function rangeFade(length: number, fadeFrames: number): (t: number) => number {
  const ramp = (k: number) => {
    if (fadeFrames <= 0 || k >= fadeFrames) return 1;
    const u = (k + 1) / (fadeFrames + 1);
    return u * u * (3 - 2 * u);
  };
  return (t) => Math.min(ramp(t), ramp(length - 1 - t));
}

/** How long the lips lead the sound they make (seconds); about one frame at 25 fps. */
export const LIP_LEAD_SEC = 0.04;

/**
 * Per-output-frame target mouth opening: the dub's log-RMS level `leadFrames` after each frame,
 * ranked within the segment and mapped to the same quantile of the reference's mouth openings.
 * @param level Float32Array(frameCount) log-RMS per clip frame; `openings` one per reference frame.
 * @returns Float64Array(range length), in mouth-opening units (inner-lip gap / face height).
 */
export function articulationTarget(level: Float32Array, range: FrameRange, openings: number[], leadFrames: number): Float64Array {
  const T = range.end - range.start;
  const lv = Array.from({ length: T }, (_, t) => level[Math.min(level.length - 1, range.start + t + leadFrames)]);
  const order = lv.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const sorted = [...openings].sort((a, b) => a - b);
  const out = new Float64Array(T);
  order.forEach(([, i], rank) => {
    const u = T > 1 ? rank / (T - 1) : 0.5;
    out[i] = sorted[Math.round(u * (sorted.length - 1))];
  });
  return out;
}

/** Memo key of a reference frame crop: clip, frame, the mesh (cheap checksum) and the ring. */
function refKey(video: { path: string; frameCount: number }, index: number, mesh: Float32Array, layout: WarpLayout, grain: number | null): string {
  let sum = 0;
  for (let i = 0; i < mesh.length; i += 7) sum += mesh[i] * ((i % 13) + 1);
  return `${video.path}|${video.frameCount}|${index}|${sum.toFixed(3)}|${layout.meshIndices.length}|${layout.bandFrac}|${layout.marginFrac}|${grain ?? 'clean'}`;
}

/**
 * Process-wide memo of reference crops (the editor's inference host re-renders segments after
 * slider changes: reference frames are decoded once). Bounded to 256 MB.
 */
const refMemo = new LruMemo<RefFrame>(256 * 1024 * 1024);

/** Per-track memo of audio features (the same decoded track object is reused across renders). */
const featureMemo = new WeakMap<Float32Array, Map<string, unknown>>();
function memoFeatures<T>(samples: Float32Array, key: string, compute: () => T): T {
  let m = featureMemo.get(samples);
  if (!m) featureMemo.set(samples, (m = new Map()));
  if (!m.has(key)) m.set(key, compute());
  return m.get(key) as T;
}

/**
 * Reference-driven synthesis (the default engine; no learned weights). For each output frame it
 * picks a frame of the lip-habit reference whose (original) audio context matches the dubbed
 * audio context, with a Viterbi path that prefers runs of consecutive reference frames
 * (`viterbi.ts`), then warps that frame's lower face onto the output face (piecewise affine on
 * the mesh, pose from a similarity on stable points), matches its colour and returns it as a
 * patch with a soft alpha. The compositor applies the union and occlusion masks.
 */
export class ReferenceEngine implements Engine {
  constructor(private readonly deps: ReferenceEngineDeps) {}

  describe(): EngineDescription {
    return REFERENCE_ENGINE_DESCRIPTION;
  }

  async prepare(ctx: SegmentContext): Promise<PreparedEngine> {
    const p = { ...Object.fromEntries(REFERENCE_ENGINE_DESCRIPTION.params.map((s) => [s.key, s.default])), ...ctx.params };
    const { video, range, reference, track } = ctx;
    const T = range.end - range.start;
    // Reference frames with a detected face.
    const refIdx: number[] = [];
    for (let f = reference.start; f < reference.end; f++) {
      const s = track.frames[f];
      if (s && !s.interpolated) refIdx.push(f);
    }
    if (refIdx.length < 2) {
      throw new UserError('E_REFERENCE_NO_FACE', `The lip-habit reference (frames ${reference.start}-${reference.end}) has fewer than 2 frames with a tracked face.`, 'Pick a reference range where the actor\'s face is visible, or let the tool choose one.');
    }
    const R = refIdx.length;
    const canonical = track.frames[refIdx[0]]!.mesh;

    // Audio context features: dub over the output range, original over the reference.
    const contextSec = p.contextMs / 2000; // half-width: ± around the frame
    const fopts = { fpsNum: video.fpsNum, fpsDen: video.fpsDen, frameCount: video.frameCount, contextSec };
    const fkey = JSON.stringify(fopts);
    const dubF = memoFeatures(ctx.dubAudio, `ctx|${fkey}`, () => this.deps.contextFeatures(ctx.dubAudio, fopts));
    const refF = memoFeatures(ctx.originalAudio, `ctx|${fkey}`, () => this.deps.contextFeatures(ctx.originalAudio, fopts));
    const dim = dubF.dim;
    // Per-dimension weights: the energy coefficient c0 (first of each sub-window's F features)
    // carries the syllable rhythm the mouth follows; weight it by the energy parameter.
    const featureDim = (dubF as { featureDim?: number }).featureDim ?? dim;
    const w = new Float32Array(dim).fill(1);
    for (let k = 0; k < dim; k += featureDim) w[k] = p.energy;
    const dubLevel = memoFeatures(ctx.dubAudio, `level|${fkey}`, () => this.deps.level(ctx.dubAudio, fopts));
    throwIfAborted(ctx.signal);

    // Unary cost [T, R]: audio distance (normalized by its median) + silence term.
    const unary = new Float32Array(T * R);
    for (let t = 0; t < T; t++) {
      const a = (range.start + t) * dim;
      for (let r = 0; r < R; r++) {
        const b = refIdx[r] * dim;
        let d = 0;
        for (let k = 0; k < dim; k++) {
          const x = dubF.data[a + k] - refF.data[b + k];
          d += w[k] * x * x;
        }
        unary[t * R + r] = d / dim;
      }
    }
    const med = median(unary) || 1;
    // A degenerate reference face (no face height: NaN opening) counts as a closed mouth: the
    // costs below need a number for every reference frame.
    const openings = refIdx.map((f) => {
      const o = mouthOpening(track.frames[f]!.mesh);
      return Number.isNaN(o) ? 0 : o;
    });
    const maxOpen = Math.max(1e-6, ...openings);
    // Silence: dub level far below its own speech level.
    let speechLevel = -Infinity;
    const lv = Array.from(dubLevel.slice(range.start, range.end)).sort((x, y) => x - y);
    if (lv.length) speechLevel = lv[Math.floor(lv.length * 0.9)];
    // 30 dB under the 90th percentile, or under an absolute floor (a dub silent over the whole
    // range has no speech level of its own to be under).
    const silentBelow = Math.max(speechLevel - Math.log(10 ** (30 / 20)), SILENCE_FLOOR);
    // Articulation target: the dub's loudness one lip-lead later, mapped through the reference's
    // own distribution of mouth openings (quantile mapping: the actor's habitual opening range).
    const target = articulationTarget(dubLevel, range, openings, Math.max(0, Math.round(video.fps * LIP_LEAD_SEC)));
    // In the dub's silences the target is the actor's most closed mouth.
    const minOpen = Math.min(...openings);
    for (let t = 0; t < T; t++) if (dubLevel[range.start + t] < silentBelow) target[t] = minOpen;
    const meanOpen = openings.reduce((a, b) => a + b, 0) / R;
    const sdOpen = Math.sqrt(openings.reduce((a, b) => a + (b - meanOpen) ** 2, 0) / R) || 1;
    let silentFrames = 0;
    // Dub visemes of the output frames (phones of the dub), when known and weighed.
    const dubV = p.viseme > 0 && ctx.dubVisemes ? ctx.dubVisemes.subarray(range.start, range.end) : null;
    // Frames whose lips must meet whatever reference frame is chosen (lip-seal.ts): the dub's
    // silences (with the silence weight on) and its bilabials (with the viseme weight on).
    const mustMeet = new Array<boolean>(T).fill(false);
    for (let t = 0; t < T; t++) {
      const silent = dubLevel[range.start + t] < silentBelow;
      if (silent) silentFrames++;
      mustMeet[t] = (silent && p.silence > 0) || (dubV !== null && lipClass(dubV[t]) === 'bilabial');
      const artFactor = dubV ? articulationFactor(dubV[t], p.viseme) : 1;
      for (let r = 0; r < R; r++) {
        const i = t * R + r;
        const art = artFactor * ((openings[r] - target[t]) / sdOpen) ** 2;
        unary[i] = p.lambdaA * (unary[i] / med) + p.articulation * art + (silent ? p.silence * (openings[r] / maxOpen) * 4 : 0);
      }
    }
    // Viseme agreement (phones of the dub vs phones of the reference's original audio, and the
    // reference frame's mouth opening): closures on p b m / f v, shut mouth in dub silence.
    let visemeFrames = 0;
    if (dubV) {
      const refV = ctx.originalVisemes ? Uint8Array.from(refIdx, (f) => ctx.originalVisemes![f]) : null;
      const add = visemeCost({ dub: dubV, ref: refV, openings, weight: p.viseme });
      for (let i = 0; i < unary.length; i++) unary[i] += add[i];
      visemeFrames = dubV.filter((v) => v !== NO_VISEME).length;
    }

    // Mouth-shape distances [R, R], normalized by their median.
    const shapes = refIdx.map((f) => mouthShape(track.frames[f]!.mesh, canonical));
    const D = new Float32Array(R * R);
    for (let a = 0; a < R; a++) for (let b = a + 1; b < R; b++) D[a * R + b] = D[b * R + a] = shapeDistance(shapes[a], shapes[b]);
    const dmed = median(D.filter((v) => v > 0)) || 1;
    for (let i = 0; i < D.length; i++) D[i] /= dmed;
    throwIfAborted(ctx.signal);

    const path = viterbiSelect({ unary, T, R, shapeDistance: D, lambdaH: p.lambdaH, cutCost: 0.3, holdCost: 0.2 });
    let cuts = 0;
    for (let t = 1; t < T; t++) if (path[t] !== path[t - 1] + 1) cuts++;
    ctx.log?.(`reference engine: ${T} frames from ${R} reference frames, ${cuts} cuts, ${silentFrames} silent frames, ${visemeFrames} frames with visemes${ctx.originalVisemes ? '' : ' (reference frames unlabelled)'}, ${mustMeet.filter(Boolean).length} with the lips sealed`);

    // Decode the reference frames the path uses and keep crops around their lower face.
    const layout = buildWarpLayout(canonical);
    // The lip seal of each output frame and its target: the actor's closed gap (the 5th
    // percentile of the reference frames' openings, as the viseme cost takes it).
    const seal = sealWeights(mustMeet);
    const closedGap = openingLevels(openings).closed;
    // A grainy source: warps move clean plates and keep the grain in place (imaging/grain.ts),
    // with the clip's grain limit on every frame (no frame-to-frame variation).
    const grain = grainLimit(ctx.grain ?? 0);
    const needed = new Set<number>();
    for (let t = 0; t < T; t++) needed.add(refIdx[path[t]]);
    // At a cut the frame that would naturally have followed is blended in (see renderOne).
    const cutBlend = p.cutBlend;
    const natural = (t: number) => (t > 0 && path[t] !== path[t - 1] + 1 && path[t - 1] + 1 < R ? path[t - 1] + 1 : -1);
    if (cutBlend > 0) for (let t = 1; t < T; t++) if (natural(t) >= 0) needed.add(refIdx[natural(t)]);
    const refs = new Map<number, RefFrame>();
    const missing: number[] = [];
    for (const f of needed) {
      const hit = refMemo.get(refKey(video, f, track.frames[f]!.mesh, layout, grain));
      if (hit) refs.set(f, hit);
      else missing.push(f);
    }
    if (missing.length) {
      // Keep every reference frame of the decoded span: a slider change then needs no decoding.
      const want = new Set(refIdx.filter((f) => f >= Math.min(...missing) && f <= Math.max(...missing)));
      await ctx.readFrames({ start: Math.min(...missing), end: Math.max(...missing) + 1 }, (frame) => {
        if (!want.has(frame.index)) return;
        const mesh = track.frames[frame.index]!.mesh;
        const key = refKey(video, frame.index, mesh, layout, grain);
        const ref = cropReference(key, frame, mesh, layout, grain);
        refMemo.set(key, ref, (ref.crop.data.byteLength * 4) / 3 + 1024);
        if (needed.has(frame.index)) refs.set(frame.index, ref);
        throwIfAborted(ctx.signal);
      });
    }

    const colourMatch = p.colourMatch >= 0.5;
    let smoothed: ColourPair | null = null;
    const signal = ctx.signal;

    /** The reference frames one output frame uses: the chosen one and, at a cut, the next. */
    const framesFor = (input: EngineFrameInput): { ref: RefFrame; next: RefFrame | null; t: number } | null => {
      const t = input.frame.index - range.start;
      if (!input.sample || t < 0 || t >= T) return null;
      const ref = refs.get(refIdx[path[t]]);
      if (!ref) return null;
      // Cut: the mouth jumps to another stretch of the reference. Blend in the frame that would
      // have come next (its geometry and inner mouth), so the jump is spread over two frames.
      const n = cutBlend > 0 ? natural(t) : -1;
      return { ref, next: (n >= 0 ? refs.get(refIdx[n]) : undefined) ?? null, t };
    };
    /** Temporal smoothing of the colour statistics (EMA) so the transfer does not flicker. */
    const smooth = (stats: ColourPair): ColourPair => {
      if (!smoothed) smoothed = stats;
      else {
        const mix = (a: ChannelStats, b: ChannelStats): ChannelStats => ({
          mean: a.mean.map((v, c) => v * 0.7 + b.mean[c] * 0.3) as [number, number, number],
          std: a.std.map((v, c) => v * 0.7 + b.std[c] * 0.3) as [number, number, number],
          count: b.count,
        });
        smoothed = { from: mix(smoothed.from, stats.from), to: mix(smoothed.to, stats.to) };
      }
      return smoothed;
    };
    /** In frame order: the inner mouth's colour transfer with the smoothed statistics. */
    const finish = (m: SynthesizedMouth): Patch => {
      const st = colourMatch && m.stats && m.stats.from.count > 16 ? smooth(m.stats) : colourMatch ? smoothed : null;
      return finishMouth(m, st);
    };
    const fade = rangeFade(T, Math.round(p.fadeFrames));
    const pool = warpPool();
    pool?.warm();
    let poolFailure = false;

    /** The previous window's finish (colour smoothing runs in frame order across windows). */
    let previous: Promise<unknown> = Promise.resolve();

    return {
      windowSize: 8,
      pipelined: true,
      renderWindow(inputs) {
        throwIfAborted(signal);
        const tasks = inputs.map((input): MouthTask | null => {
          const f = framesFor(input);
          if (!f) return null;
          return { frame: input.frame, targetMesh: input.sample!.mesh, ref: f.ref, next: f.next, cutBlend, amount: fade(f.t), layout, colourMatch, grain, seal: seal[f.t], closedGap };
        });
        // Windows may overlap (pipelined): each one's warps start at once, its finish (colour
        // transfer with the smoothed statistics, cut blend) waits for the previous window's.
        const before = previous;
        const done = (async () => {
          // The window's warps run in parallel on the pool's workers (or here when it is off).
          let warped: Array<SynthesizedMouth | null>;
          if (pool && !poolFailure) {
            try {
              warped = await Promise.all(tasks.map(async (t) => (t ? (await pool.warp(t)).result : null)));
            } catch (err) {
              poolFailure = true;
              ctx.log?.(`reference engine: warp workers failed (${(err as Error).message.split('\n')[0]}); warping on one thread`);
              warped = tasks.map((t) => (t ? warpLocally(t) : null));
            }
          } else {
            warped = tasks.map((t) => (t ? warpLocally(t) : null));
          }
          await before.catch(() => undefined);
          throwIfAborted(signal);
          return warped.map((w) => (w ? finish(w) : null));
        })();
        previous = done;
        return done;
      },
      async dispose() {
        refs.clear();
      },
      // Exposed for diagnostics and tests.
      ...{ path: Int32Array.from(path, (r) => refIdx[r]) },
    } as PreparedEngine & { path: Int32Array };
  }
}

