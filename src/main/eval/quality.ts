/**
 * Picture-quality evaluation of a dubbed clip against its original, inside the lower-face box,
 * with a plain re-encode of the original as the noise floor (`evalQuality`).
 */
import type { Rect } from '../masks/types';
import type { ColorMatrix } from '../media/args';
import type { RgbFrame, VideoInfo } from '../media/types';
import { displaySize, probeMedia } from '../media/probe';
import { decodeFrames } from '../media/decode';
import { yuvMatrixOf } from '../media/matrix';
import { trackVideo, chooseFaceTrack } from '../pipeline/tracking-stage';
import { throwIfAborted, UserError } from '../util/errors';
import { sameGeometry } from './evaluate';
import {
  finiteMean, flicker, laplacianVariance, lowerFaceBox, lumaOfRect, meanAbsDiffMasked, outsideFaceMask,
  pickSheetFrames, seamMask, seamScore, squareAround, ssim, worstFrames,
} from './quality-metrics';
import { encodeFloor, REVIEW_CRF, REVIEW_PRESET, type FloorEncoderSettings } from './quality-floor';
import { cachedSourceGrain, reviewTune } from '../media/source-grain';
import { contentHash } from '../util/memo';
import { defaultCacheDir } from '../util/cache-dir';
import { composeSheet, cropResizeRgb, TILE_SIZE, writePngRgb, type SheetColumn } from './quality-sheet';

/**
 * The five figures of one comparison (a test clip - the dub or the floor - against the
 * original), all on luma Y' in 8-bit code values (0-255, full range; `QualityReport.lumaMatrix`)
 * inside the lower-face box. NaN (null in JSON) where undefined (e.g. flicker of a range's first
 * frame, a frame without a face).
 */
export interface QualityFigures {
  /**
   * Sharpness ratio: variance of the 4-neighbour Laplacian of the test luma / that of the
   * original (dimensionless; 1 = as sharp, < 1 = blurrier, > 1 = sharper or noisier). Clip
   * figure: sum over frames of the test variances / sum of the original variances.
   */
  sharpness: number;
  /**
   * Change outside the face: mean |test - original| luma (code values) over the box pixels that
   * are outside the FACE_OVAL polygon of both the original's and the dub's mesh (background,
   * neck, collar: what a dub should leave alone).
   */
  outsideChange: number;
  /**
   * Seam score: mean |Laplacian(test - original)| (code values per pixel^2) over the box minus
   * the outer lips of both meshes dilated by 3 % of the face height: edges the re-render added
   * (mask borders, double jaws).
   */
  seam: number;
  /** Mean SSIM (Wang et al. 2004, 11x11 Gaussian sigma 1.5, 'valid' windows) over the box; 1 = identical. */
  ssim: number;
  /**
   * Temporal flicker: mean over the box of |D_t - D_{t-1}|, D = test - original luma (code
   * values), frame t vs t-1 on the box of frame t.
   */
  flicker: number;
}

/** Names of the figures, in report order. */
export const FIGURE_NAMES: ReadonlyArray<keyof QualityFigures> = ['sharpness', 'outsideChange', 'seam', 'ssim', 'flicker'];

/** Which way a figure gets worse: larger ('high') or smaller ('low'). */
export const WORSE_WHEN: Record<keyof QualityFigures, 'high' | 'low'> = { sharpness: 'low', outsideChange: 'high', seam: 'high', ssim: 'low', flicker: 'high' };

/** Figures of one frame. */
export interface QualityFrame {
  /** Clip frame number (0-based, absolute). */
  frame: number;
  /** Lower-face box of the frame (pixels), from the original's mesh. */
  box: Rect;
  dubbed: QualityFigures;
  floor: QualityFigures;
}

export interface QualityReport {
  original: string;
  dubbed: string;
  /** Frames evaluated, [start, end), clip frame numbers. */
  range: { start: number; end: number };
  /** Frames with figures (the original had a face there). */
  frames: number;
  /** Frames of the range skipped because the original's track has no face there. */
  skipped: number[];
  /** Luma weights used (the original's Y'CbCr matrix; BT.601 when untagged or other). */
  lumaMatrix: ColorMatrix;
  /** How the floor was encoded (the review export's x264 settings). */
  floorEncoder: FloorEncoderSettings;
  /** Clip figures: the dub and the floor against the original, and their ratio. */
  clip: {
    /** The dub against the original (sharpness: ratio of sums; others: mean over frames). */
    dubbed: QualityFigures;
    /** The plain re-encode (noise floor) against the original, same definitions. */
    floor: QualityFigures;
    /**
     * dubbed / floor per figure (dimensionless). Above 1 = worse than encoding alone for
     * outsideChange, seam and flicker; for sharpness and SSIM below 1 is worse.
     */
    ratio: QualityFigures;
  };
  /** The 5 worst frames of the dub per figure (clip frame numbers, worst first; `WORSE_WHEN`). */
  worst: Record<keyof QualityFigures, number[]>;
  perFrame: QualityFrame[];
  /** The contact sheet, when asked for: its path and the frame of each tile, left to right. */
  sheet?: { path: string; frames: number[] };
}

export interface QualityOptions {
  original: string;
  dubbed: string;
  /** Track index (`--face N`) in both clips; default: the largest face. */
  face?: number;
  cacheDir?: string;
  /** Frames [start, end) (clip frame numbers); default: all frames both clips have. */
  range?: { start: number; end: number };
  /**
   * Clip frame number of the dub's first frame (default 0): a take of one segment starts at the
   * segment's first frame. Frame i of the dub is compared with frame i + dubbedStart of the original.
   */
  dubbedStart?: number;
  /** Track index in the dub when it differs from `face` (a take's own tracks); default `face`. */
  dubbedFace?: number;
  /** Write a contact sheet of the worst frames (PNG) here. */
  sheet?: string;
  /** Folder the noise-floor re-encode is written under (a temp folder deleted afterwards); default the OS temp folder. */
  tempDir?: string;
  /** Floor encoder overrides (default: the review export's preset and CRF). */
  preset?: string;
  crf?: number;
  signal?: AbortSignal;
}

/** Frames a sheet shows at most, and worst frames listed per figure. */
export const SHEET_FRAMES = 8;
export const WORST_LISTED = 5;
/** Box growth (fraction of its larger side, each side) and lip dilation (fraction of face height 10-152). */
export const BOX_GROW = 0.15;
export const LIP_DILATE = 0.03;

const nanFigures = (): QualityFigures => ({ sharpness: NaN, outsideChange: NaN, seam: NaN, ssim: NaN, flicker: NaN });

/**
 * The figures of one test frame against the original frame over `box`; `prev` (frame t-1 of
 * both, full rgb24 frames) for flicker. Also returns the two Laplacian variances (for the
 * clip's ratio of sums).
 */
function figuresOf(
  o: { lo: Float32Array; box: Rect; masks: { outside: Uint8Array; noLips: Uint8Array }; width: number; matrix: ColorMatrix },
  test: Uint8Array,
  prev: { orig: Uint8Array; test: Uint8Array } | null,
  origVar: number,
): { figures: QualityFigures; testVar: number } {
  const { lo, box, masks, width, matrix } = o;
  const lt = lumaOfRect(test, width, box, matrix);
  const testVar = laplacianVariance(lt, box.w, box.h);
  let fl = NaN;
  if (prev) fl = flicker(lo, lt, lumaOfRect(prev.orig, width, box, matrix), lumaOfRect(prev.test, width, box, matrix));
  return {
    testVar,
    figures: {
      sharpness: testVar / origVar,
      outsideChange: meanAbsDiffMasked(lo, lt, masks.outside),
      seam: seamScore(lo, lt, masks.noLips, box.w, box.h),
      ssim: ssim(lo, lt, box.w, box.h),
      flicker: fl,
    },
  };
}

async function nextOf(g: AsyncGenerator<RgbFrame>): Promise<RgbFrame | null> {
  const r = await g.next();
  return r.done ? null : r.value;
}

function checkSameRate(a: VideoInfo, b: VideoInfo): void {
  if (a.fpsNum * b.fpsDen !== b.fpsNum * a.fpsDen) {
    throw new UserError('E_MISMATCH', `The clips differ in frame rate (${a.fps.toFixed(3)} vs ${b.fps.toFixed(3)} fps).`, 'Compare a dub with the clip it was made from.');
  }
}

/**
 * Picture quality of a dub (the original with the lower face re-rendered) against its original.
 * Per frame, inside the lower-face box (`lowerFaceBox` of the ORIGINAL frame's mesh: bounding
 * box of DETAILED_MASK_OUTLINE grown by 15 % of its larger side on every side, clipped to the
 * frame) it computes the five `QualityFigures` on luma (Y' = Kr R' + Kg G' + Kb B', ITU-R BT.601
 * or BT.709 weights per the original's matrix). Meshes come from tracking both clips (cached,
 * as `evalCompare`); where the dub's track has no face, masks use the original's mesh alone.
 *
 * The same figures are computed in the same pass for the noise floor: frames [start, end) of the
 * original re-encoded with the review export's x264 settings (`x264ReviewArgs`, preset
 * veryfast, CRF 18 as pipeline/dub.ts, the clip's matrix) into a temp file that is deleted afterwards; the
 * floor uses the very same boxes and masks as the dub. Clip figures: sharpness = sum of test
 * Laplacian variances / sum of original ones; the others = mean over frames where defined.
 *
 * With `sheet`, writes a PNG contact sheet: the worst frames by seam, change outside the face
 * and sharpness (round robin, up to 8), each a column of the original's crop (the box grown to
 * a square, 256x256) above the dub's.
 *
 * Frame i of the dub must be frame i + `dubbedStart` (default 0) of the original (same size and rate).
 * @throws UserError E_MISMATCH (size or rate differ), E_BAD_RANGE (empty range), E_NO_FACE,
 *   E_FACE_INDEX, E_ENCODE_FAILED, E_UNREADABLE, E_BAD_OUTPUT (sheet not .png); CancelledError.
 */
export async function evalQuality(opts: QualityOptions): Promise<QualityReport> {
  const { signal } = opts;
  const a = await probeMedia(opts.original, { signal });
  const b = await probeMedia(opts.dubbed, { signal });
  sameGeometry(a, b);
  checkSameRate(a, b);
  if (opts.sheet !== undefined && !/\.png$/i.test(opts.sheet)) {
    throw new UserError('E_BAD_OUTPUT', `The contact sheet "${opts.sheet}" must be a .png file.`, 'Pass --sheet with a path ending in .png.');
  }
  const off = Math.max(0, Math.round(opts.dubbedStart ?? 0));
  const total = Math.min(a.frameCount, off + b.frameCount);
  const range = { start: Math.max(off, opts.range?.start ?? off), end: Math.min(total, opts.range?.end ?? total) };
  if (!(range.end > range.start)) {
    throw new UserError('E_BAD_RANGE', `No frames to evaluate in ${range.start}-${range.end} (the clips have ${total} frames in common).`, 'Pick --from/--to inside both clips.');
  }
  const ta = chooseFaceTrack(await trackVideo(a, { cacheDir: opts.cacheDir, signal }), opts.face).track;
  const tb = chooseFaceTrack(await trackVideo(b, { cacheDir: opts.cacheDir, signal }), opts.dubbedFace ?? opts.face).track;
  const matrix: ColorMatrix = yuvMatrixOf(a) ?? 'bt601';
  const settings: FloorEncoderSettings = { preset: opts.preset ?? REVIEW_PRESET, crf: opts.crf ?? REVIEW_CRF, matrix, tune: reviewTune(await cachedSourceGrain(a, await contentHash(a.path, signal), opts.cacheDir ?? defaultCacheDir(), signal)) };
  const floorFile = await encodeFloor(a, range, settings, signal, opts.tempDir);
  const { width, height } = displaySize(a);

  const perFrame: QualityFrame[] = [];
  const skipped: number[] = [];
  const sums = { orig: 0, dub: 0, floor: 0 };
  // Sheet candidates: the running SHEET_FRAMES worst per sheet figure, with their tiles.
  const sheetItems = { seam: [] as Array<{ frame: number; value: number }>, outsideChange: [] as Array<{ frame: number; value: number }>, sharpness: [] as Array<{ frame: number; value: number }> };
  const tiles = new Map<number, SheetColumn>();

  let fInfo: VideoInfo;
  try {
    fInfo = await probeMedia(floorFile.path, { signal });
  } catch (err) {
    await floorFile.dispose();
    throw err;
  }
  const go = decodeFrames(a, { ...range, signal });
  const gd = decodeFrames(b, { start: range.start - off, end: range.end - off, signal });
  const gf = decodeFrames(fInfo, { start: 0, end: range.end - range.start, signal });
  try {
    let prev: { orig: Uint8Array; dub: Uint8Array; floor: Uint8Array } | null = null;
    for (let t = range.start; t < range.end; t++) {
      throwIfAborted(signal);
      const [fo, fd, ff] = await Promise.all([nextOf(go), nextOf(gd), nextOf(gf)]);
      if (!fo || !fd || !ff) {
        throw new UserError('E_UNREADABLE', `Frame ${t} could not be decoded from ${!fo ? a.path : !fd ? b.path : 'the re-encoded floor'}.`, 'The file may be truncated; check it with ffprobe or re-export it.');
      }
      const mo = ta.frames[t]?.mesh ?? null;
      const md = tb.frames[t - off]?.mesh ?? null;
      const box = mo ? lowerFaceBox(mo, width, height, BOX_GROW) : null;
      if (!mo || !box || box.w < 11 || box.h < 11) {
        skipped.push(t);
        prev = null; // flicker needs the box of frame t on a frame with figures
        continue;
      }
      const lo = lumaOfRect(fo.data, width, box, matrix);
      const origVar = laplacianVariance(lo, box.w, box.h);
      const ctx = { lo, box, masks: { outside: outsideFaceMask(box, [mo, md]), noLips: seamMask(box, mo, md, LIP_DILATE) }, width, matrix };
      const d = figuresOf(ctx, fd.data, prev && { orig: prev.orig, test: prev.dub }, origVar);
      const f = figuresOf(ctx, ff.data, prev && { orig: prev.orig, test: prev.floor }, origVar);
      sums.orig += origVar; sums.dub += d.testVar; sums.floor += f.testVar;
      perFrame.push({ frame: t, box, dubbed: d.figures, floor: f.figures });
      prev = { orig: fo.data, dub: fd.data, floor: ff.data };

      if (opts.sheet !== undefined) {
        let keep = false;
        for (const k of ['seam', 'outsideChange', 'sharpness'] as const) {
          sheetItems[k].push({ frame: t, value: d.figures[k] });
          const top = worstFrames(sheetItems[k], SHEET_FRAMES, WORSE_WHEN[k]);
          sheetItems[k] = sheetItems[k].filter((it) => top.includes(it.frame));
          if (top.includes(t)) keep = true;
        }
        if (keep) {
          const sq = squareAround(box, width, height);
          tiles.set(t, { top: cropResizeRgb(fo.data, width, height, sq, TILE_SIZE), bottom: cropResizeRgb(fd.data, width, height, sq, TILE_SIZE) });
        }
        const alive = new Set([...sheetItems.seam, ...sheetItems.outsideChange, ...sheetItems.sharpness].map((it) => it.frame));
        for (const k of tiles.keys()) if (!alive.has(k)) tiles.delete(k);
      }
    }
  } finally {
    await go.return(undefined);
    await gd.return(undefined);
    await gf.return(undefined);
    await floorFile.dispose();
  }

  const clip = (which: 'dubbed' | 'floor', varSum: number): QualityFigures => {
    const out = nanFigures();
    for (const k of FIGURE_NAMES) out[k] = finiteMean(perFrame.map((p) => p[which][k]));
    out.sharpness = sums.orig > 0 ? varSum / sums.orig : NaN;
    return out;
  };
  const dubbed = clip('dubbed', sums.dub);
  const floor = clip('floor', sums.floor);
  const ratio = nanFigures();
  const worst = {} as Record<keyof QualityFigures, number[]>;
  for (const k of FIGURE_NAMES) {
    ratio[k] = dubbed[k] / floor[k];
    worst[k] = worstFrames(perFrame.map((p) => ({ frame: p.frame, value: p.dubbed[k] })), WORST_LISTED, WORSE_WHEN[k]);
  }
  const report: QualityReport = {
    original: opts.original, dubbed: opts.dubbed, range, frames: perFrame.length, skipped, lumaMatrix: matrix,
    floorEncoder: settings, clip: { dubbed, floor, ratio }, worst, perFrame,
  };
  if (opts.sheet !== undefined && perFrame.length > 0) {
    const lists = (['seam', 'outsideChange', 'sharpness'] as const).map((k) => worstFrames(sheetItems[k], SHEET_FRAMES, WORSE_WHEN[k]));
    const frames = pickSheetFrames(lists, SHEET_FRAMES).sort((x, y) => x - y);
    await writePngRgb(opts.sheet, composeSheet(frames.map((fr) => tiles.get(fr)!)), signal);
    report.sheet = { path: opts.sheet, frames };
  }
  return report;
}
