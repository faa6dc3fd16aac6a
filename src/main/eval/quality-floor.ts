/**
 * The noise floor of `evalQuality`: a plain re-encode of the original's frame range with the
 * x264 settings of our review exports, so figures of a dub can be read against what encoding
 * alone does to the picture.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { VideoInfo } from '../media/types';
import { DEFAULT_PRESET, FFMPEG_COMMON, formatSeconds, SEEK_MARGIN_FRAMES, x264ReviewArgs, type ColorMatrix } from '../media/args';
import { framesToSeconds } from '../../shared/time';
import { locateFfmpeg } from '../media/locate';
import { runCollect, versionHint } from '../media/process';
import { UserError } from '../util/errors';

/** Encoder settings of the floor: those of the default review export (`runDub`). */
export interface FloorEncoderSettings {
  /** x264 preset (the export default is `veryfast`, `DEFAULT_PRESET` in pipeline/dub.ts). */
  preset: string;
  /** x264 constant rate factor (export default 18). */
  crf: number;
  /** Y'CbCr matrix the output is tagged with (the clip's, as the export does). */
  matrix: ColorMatrix;
  /** x264 tune, as the export picks it for the clip (`reviewTune(sourceGrain(clip))`). */
  tune?: 'grain' | null;
}

/**
 * Defaults of the review export: preset veryfast (`DEFAULT_PRESET` of pipeline/dub.ts, not
 * imported so the evaluator does not load the engines; a unit test keeps them equal) and
 * `REVIEW_CRF` (media/args.ts).
 */
export const REVIEW_PRESET = DEFAULT_PRESET;
export { REVIEW_CRF } from '../media/args';

/**
 * ffmpeg arguments that re-encode frames [start, end) of `input` (first video stream, no audio)
 * into `output` with `x264ReviewArgs` (libx264, yuv420p, limited range, tagged with `matrix`).
 * The cut is frame-exact the way `buildDecodeArgs` cuts: an accurate input seek to
 * `streamStart + (start - SEEK_MARGIN_FRAMES) * fpsDen / fpsNum` seconds and `-frames:v
 * end-start` with `-fps_mode passthrough`; variable-frame-rate clips (`forceCfr`) are resampled
 * to `fpsNum/fpsDen` and cut with `trim=start_frame`. Output frame i is clip frame start + i.
 */
export function buildFloorEncodeArgs(o: {
  input: string; output: string; start: number; end: number; fpsNum: number; fpsDen: number;
  streamStart?: number; forceCfr?: boolean; settings: FloorEncoderSettings;
}): string[] {
  const args: string[] = [...FFMPEG_COMMON];
  if (o.start > 0 && !o.forceCfr) args.push('-ss', formatSeconds((o.streamStart ?? 0) + framesToSeconds(o.start - SEEK_MARGIN_FRAMES, o.fpsNum, o.fpsDen)));
  args.push('-i', o.input, '-map', '0:v:0', '-an', '-sn', '-dn');
  if (o.forceCfr) {
    const filters = [`fps=${o.fpsNum}/${o.fpsDen}`];
    if (o.start > 0) filters.push(`trim=start_frame=${o.start}`, 'setpts=PTS-STARTPTS');
    args.push('-vf', filters.join(','));
  }
  args.push('-fps_mode', 'passthrough', '-frames:v', String(o.end - o.start));
  args.push(...x264ReviewArgs(o.settings.preset, o.settings.crf, o.settings.matrix, o.settings.tune ?? null), '-y', o.output);
  return args;
}

/**
 * Encodes the floor of frames [start, end) of `info` into a fresh temp folder.
 * @returns the file path and `dispose()`, which deletes the folder (never throws).
 * @throws UserError E_ENCODE_FAILED (ffmpeg failed), E_NO_FFMPEG; CancelledError.
 */
export async function encodeFloor(
  info: VideoInfo,
  range: { start: number; end: number },
  settings: FloorEncoderSettings,
  signal?: AbortSignal,
  tempParent: string = os.tmpdir(),
): Promise<{ path: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tempParent, 'dubbing-quality-floor-'));
  const dispose = () => rm(dir, { recursive: true, force: true }).catch(() => undefined);
  const output = path.join(dir, 'floor.mp4');
  try {
    const args = buildFloorEncodeArgs({
      input: info.path, output, start: range.start, end: range.end, fpsNum: info.fpsNum, fpsDen: info.fpsDen,
      streamStart: info.startTime ?? 0, forceCfr: info.variableFrameRate, settings,
    });
    const r = await runCollect(locateFfmpeg().ffmpeg, args, { signal });
    if (r.code !== 0) {
      const tail = r.stderr.lastLines(3);
      throw new UserError('E_ENCODE_FAILED', `Re-encoding ${info.path} for the noise floor failed (ffmpeg exit ${r.code ?? r.signal})${tail ? `: ${tail}` : ''}`, versionHint(tail) ?? `Check that ffmpeg has libx264 and that ${os.tmpdir()} has free space.`);
    }
    return { path: output, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
