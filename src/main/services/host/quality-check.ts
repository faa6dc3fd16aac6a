import path from 'node:path';
import type { FaceLimitInfo, QualityReportWire } from '../../../shared/api/quality';
import { evalQuality, FIGURE_NAMES, type QualityFigures } from '../../eval/quality';
import { flagFrames, worstPerFigure } from '../../eval/quality-flags';
import { probeMedia } from '../../media/probe';
import { assessFace } from '../../pipeline/face-limits';
import { chooseFaceTrack, trackVideo } from '../../pipeline/tracking-stage';
import type { FaceTrack, TrackingResult } from '../../tracking/types';
import { UserError } from '../../util/errors';
import type { CallContext } from './protocol';

/** Arguments of the host's `qualityCheck`: a segment's take against the clip over the segment. */
export interface QualityCheckArgs {
  video: string;
  /** The take: frames [startFrame, endFrame) of the clip, re-rendered (frame 0 = startFrame). */
  take: string;
  range: { startFrame: number; endFrame: number };
  /** Track index of the segment (null: the largest face, as the render chooses). */
  face: number | null;
  /** The editor's cache folder (tracking is cached under its `pipeline` folder, as renders track). */
  cacheDir: string;
}

function iou(a: readonly number[], b: readonly number[]): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const uni = a[2] * a[3] + b[2] * b[3] - inter;
  return uni > 0 ? inter / uni : 0;
}

/**
 * The take's track that is the original's face: the one whose boxes overlap the original track's
 * most over the segment (mean IoU on frames both have). Undefined (evalQuality then takes the
 * largest face) when no track overlaps.
 */
export function matchTakeTrack(orig: FaceTrack, take: TrackingResult, startFrame: number): number | undefined {
  let best: { index: number; score: number } | undefined;
  take.tracks.forEach((t, index) => {
    let sum = 0, n = 0;
    t.frames.forEach((s, i) => {
      const o = orig.frames[i + startFrame];
      if (!s || !o) return;
      sum += iou(s.box, o.box);
      n++;
    });
    const score = n ? sum / n : 0;
    if (score > 0 && (!best || score > best.score)) best = { index, score };
  });
  return best?.index;
}

const isNoFace = (err: unknown) => err instanceof UserError && err.code === 'E_NO_FACE';

function finiteFigures(f: QualityFigures): Record<keyof QualityFigures, number | null> {
  const out = {} as Record<keyof QualityFigures, number | null>;
  for (const k of FIGURE_NAMES) out[k] = Number.isFinite(f[k]) ? f[k] : null;
  return out;
}

/**
 * The quality check of one segment's take (runs on the jobs host): the face-limits verdict of
 * the segment from the original's track, then `evalQuality` of the take against the original
 * over the segment (the take's frame 0 is the segment's first frame) and the flagged frames
 * (`flagFrames`). A clip without faces gives the 'no-face' verdict and no figures; a take in
 * which no face is found is reported as a warning, without figures.
 * Progress: 'track' while the original and the take are tracked (cached), 'render' while the
 * frames are compared.
 */
export async function runQualityCheck(args: QualityCheckArgs, ctx: CallContext): Promise<QualityReportWire> {
  const { signal } = ctx;
  const { startFrame, endFrame } = args.range;
  const cacheDir = path.join(args.cacheDir, 'pipeline');
  const warnings: string[] = [];
  const empty = (faceLimit: FaceLimitInfo | null): QualityReportWire => ({
    range: { startFrame, endFrame }, framesChecked: 0, framesSkipped: endFrame - startFrame, flags: [], worst: [], clipRatio: null, faceLimit, warnings,
  });
  const a = await probeMedia(args.video, { signal });
  const b = await probeMedia(args.take, { signal });
  const total = a.frameCount + b.frameCount;
  const progress = (base: number) => (done: number) => ctx.onProgress({ stage: 'track', done: base + done, total, fps: 0, etaSec: Number.NaN });

  let ta: TrackingResult;
  try {
    ta = await trackVideo(a, { cacheDir, signal, onProgress: progress(0) });
  } catch (err) {
    if (!isNoFace(err)) throw err;
    const r = assessFace({ id: 0, frames: [] }, { start: startFrame, end: endFrame });
    return empty({ code: r.code, reason: r.reason, facedShare: 0, faceHeightPx: 0, yawDeg: 0, score: 0 });
  }
  const orig = chooseFaceTrack(ta, args.face ?? undefined).track;
  const limit = assessFace(orig, { start: startFrame, end: endFrame });
  const faceLimit: FaceLimitInfo = { code: limit.code, reason: limit.reason, facedShare: limit.facedShare, faceHeightPx: limit.faceHeightPx, yawDeg: limit.yawDeg, score: limit.score };

  let tb: TrackingResult;
  try {
    tb = await trackVideo(b, { cacheDir, signal, onProgress: progress(a.frameCount) });
  } catch (err) {
    if (!isNoFace(err)) throw err;
    warnings.push('No face is found in the take, so its frames cannot be compared with the original.');
    return empty(faceLimit);
  }
  ctx.onProgress({ stage: 'render', done: 0, total: endFrame - startFrame, fps: 0, etaSec: Number.NaN });
  const report = await evalQuality({
    original: args.video,
    dubbed: args.take,
    face: args.face ?? undefined,
    dubbedFace: matchTakeTrack(orig, tb, startFrame),
    dubbedStart: startFrame,
    range: { start: startFrame, end: endFrame },
    cacheDir,
    signal,
  });
  ctx.onProgress({ stage: 'render', done: endFrame - startFrame, total: endFrame - startFrame, fps: 0, etaSec: Number.NaN });
  if (report.range.end < endFrame) warnings.push(`The take covers frames ${report.range.start}-${report.range.end} of the segment's ${startFrame}-${endFrame}.`);
  return {
    range: { startFrame: report.range.start, endFrame: report.range.end },
    framesChecked: report.frames,
    framesSkipped: report.skipped.length,
    flags: flagFrames(report.perFrame),
    worst: worstPerFigure(report.perFrame),
    clipRatio: finiteFigures(report.clip.ratio),
    faceLimit,
    warnings,
  };
}
