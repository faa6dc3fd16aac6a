/**
 * The Wav2Lip engine prepared for one segment. The widely distributed Wav2Lip ONNX contract:
 *   mel  [B, 1, 80, 16]  Wav2Lip-exact mel chunk of frame i: 16 columns from int(80 i / fps)
 *   face [B, 6, S, S]    channels 0-2: the face crop with rows >= S/2 zeroed; 3-5: the reference
 *                        crop; BGR, values / 255 (S = 96)
 *   out  [B, 3, S, S]    BGR in [0, 1]
 * The face crop is the padded, smoothed box resized to S x S (bilinear, as cv2.resize); the
 * output is resized back to the box and pasted with a soft lower-face alpha.
 */
import type { EngineFrameInput, Patch, PreparedEngine, SegmentContext } from '../types';
import type { OpenPack } from '../../models/sessions';
import type { PixelSpec, Wav2LipManifest } from '../../models/manifest';
import { resizeAffine, warpAffineRgb, type Rgb24 } from '../../imaging/affine';
import { rgbToPlanar, planarToRgb } from '../common/image-tensor';
import { runBatched } from '../common/run-graph';
import { segmentMelChunks } from '../common/mel-chunks';
import { throwIfAborted, UserError } from '../../util/errors';
import { lowerFaceAlpha, meshBounds, padBox, smoothBoxes, type Box } from './boxes';
import { W2L_PARAMS } from './describe';
import { fillSamples } from '../common/track';

const BGR01: PixelSpec = { range: [0, 1], channelOrder: 'BGR' };

export interface Wav2LipOptions {
  /** Frames per session.run (default 16). */
  maxBatch?: number;
}

/** Resizes box [x1, y1, x2, y2) of a frame to S x S (bilinear, no antialias: cv2.resize INTER_LINEAR). */
export function boxCrop(frame: Rgb24, box: Box, S: number): Uint8Array {
  return warpAffineRgb(frame, resizeAffine(box[0], box[1], box[2] - box[0], box[3] - box[1], S, S), S, S);
}

/**
 * Builds Wav2Lip's face input [n, 6, S, S]: channels 0-2 the crop with rows >= S/2 zeroed
 * (`img_masked[:, S//2:] = 0`), 3-5 the reference crop; BGR, / 255.
 */
export function wav2lipFaceTensor(crops: Uint8Array[], refs: Uint8Array[], S: number): Float32Array {
  const item = 6 * S * S;
  const out = new Float32Array(crops.length * item);
  const lower = new Float32Array(S * S);
  lower.fill(1, Math.floor(S / 2) * S);
  crops.forEach((c, k) => {
    rgbToPlanar(c, S, S, BGR01, out, k * item, { editable: lower, fillValue: 0 });
    rgbToPlanar(refs[k], S, S, BGR01, out, k * item + 3 * S * S);
  });
  return out;
}

export class Wav2LipSegment implements PreparedEngine {
  readonly windowSize: number;
  private readonly S: number;

  private constructor(
    private readonly pack: OpenPack,
    private readonly ctx: SegmentContext,
    private readonly boxes: (Box | null)[],
    private readonly mel: Float32Array,
    private readonly references: Uint8Array[] | null,
    private readonly feather: number,
    private readonly opts: Wav2LipOptions,
  ) {
    const m = pack.manifest as Wav2LipManifest;
    this.S = m.faceSize;
    const fixed = pack.graphs.generator.spec.inputs.face.shape[0];
    this.windowSize = typeof fixed === 'number' ? Math.max(fixed, 16) : (opts.maxBatch ?? 16);
  }

  /**
   * Prepares boxes (padded, smoothed), the Wav2Lip mel chunks of the segment, and reference crops.
   * @throws UserError `E_AUDIO_TOO_SHORT` when there is less than 0.2 s of audio.
   */
  static async create(pack: OpenPack, ctx: SegmentContext, opts: Wav2LipOptions): Promise<PreparedEngine> {
    const m = pack.manifest as Wav2LipManifest;
    const { range } = ctx;
    const n = range.end - range.start;
    if (n <= 0) throw new UserError('E_RANGE', `Empty segment range [${range.start}, ${range.end}).`);
    const p = ctx.params;
    const num = (k: string, d: number) => (Number.isFinite(p[k]) ? p[k] : d);
    const pads: [number, number, number, number] = [num(W2L_PARAMS.padTop, m.pads[0]), num(W2L_PARAMS.padBottom, m.pads[1]), num(W2L_PARAMS.padLeft, m.pads[2]), num(W2L_PARAMS.padRight, m.pads[3])];
    const T = Math.max(1, Math.round(num(W2L_PARAMS.smooth, 5)));
    const filled = fillSamples(ctx.track.frames, range.start, range.end);
    const W = ctx.video.displayWidth ?? ctx.video.width;
    const H = ctx.video.displayHeight ?? ctx.video.height;
    let boxes: (Box | null)[] = new Array(n).fill(null);
    if (filled) {
      const smooth = smoothBoxes(filled.samples.map(meshBounds), T);
      boxes = smooth.map((b, i) => (filled.hasFace[i] ? padBox(b, pads, W, H) : null));
    }
    // Wav2Lip-exact mel chunks of the segment's frames (indexed from clip time 0).
    throwIfAborted(ctx.signal);
    const mel = segmentMelChunks(ctx.dubAudio, ctx.video.fps, range.start, range.end);

    let references: Uint8Array[] | null = null;
    if (num(W2L_PARAMS.referenceFromHabit, 0) >= 0.5) references = await referenceCrops(ctx, pads, m.faceSize);
    if (references && !references.length) {
      ctx.log?.('wav2lip: no face in the lip-habit reference range; using each frame as its own reference.');
      references = null;
    }
    return new Wav2LipSegment(pack, ctx, boxes, mel, references, num(W2L_PARAMS.feather, 0.08), opts);
  }

  async renderWindow(inputs: EngineFrameInput[]): Promise<(Patch | null)[]> {
    throwIfAborted(this.ctx.signal);
    const S = this.S;
    const { start, end } = this.ctx.range;
    const todo: { i: number; rel: number; box: Box }[] = [];
    inputs.forEach((inp, i) => {
      const rel = inp.frame.index - start;
      if (rel < 0 || rel >= end - start) throw new RangeError(`frame ${inp.frame.index} is outside the segment [${start}, ${end})`);
      const box = this.boxes[rel];
      if (inp.sample && box) todo.push({ i, rel, box });
    });
    const out: (Patch | null)[] = inputs.map(() => null);
    if (!todo.length) return out;
    const mel = new Float32Array(todo.length * 80 * 16);
    const crops = todo.map((t) => boxCrop(inputs[t.i].frame, t.box, S));
    const refs = todo.map((t, k) => (this.references ? this.references[t.rel % this.references.length] : crops[k]));
    todo.forEach((t, k) => mel.set(this.mel.subarray(t.rel * 1280, (t.rel + 1) * 1280), k * 1280));
    const face = wav2lipFaceTensor(crops, refs, S);
    const res = await runBatched(this.pack.graphs.generator, { face: { data: face, itemDims: [6, S, S] }, mel: { data: mel, itemDims: [1, 80, 16] } }, todo.length, ['image'], this.opts.maxBatch ?? 16);
    const img = res.image;
    if (img.itemDims[0] !== 3 || img.itemDims[1] !== S || img.itemDims[2] !== S) throw new Error(`wav2lip generator returned [B, ${img.itemDims.join(', ')}], expected [B, 3, ${S}, ${S}]`);
    todo.forEach((t, k) => {
      const rgb = planarToRgb(img.data, S, S, BGR01, k * 3 * S * S);
      const [x1, y1, x2, y2] = t.box;
      const w = x2 - x1, h = y2 - y1;
      const data = warpAffineRgb({ width: S, height: S, data: rgb }, resizeAffine(0, 0, S, S, w, h), w, h);
      out[t.i] = { x: x1, y: y1, width: w, height: h, data, alpha: lowerFaceAlpha(w, h, 0.45, this.feather) };
    });
    return out;
  }

  async dispose(): Promise<void> {}
}

/** Up to 16 face crops (S x S) evenly spread over the lip-habit reference range. */
async function referenceCrops(ctx: SegmentContext, pads: [number, number, number, number], S: number): Promise<Uint8Array[]> {
  const { reference } = ctx;
  const idx: number[] = [];
  for (let i = Math.max(0, reference.start); i < Math.min(reference.end, ctx.track.frames.length); i++) if (ctx.track.frames[i]) idx.push(i);
  if (!idx.length) return [];
  const K = Math.min(16, idx.length);
  const want = new Set(Array.from({ length: K }, (_, k) => idx[Math.floor(((k + 0.5) * idx.length) / K)]));
  const crops: Uint8Array[] = [];
  await ctx.readFrames({ start: Math.min(...want), end: Math.max(...want) + 1 }, (fr) => {
    if (!want.has(fr.index)) return;
    const box = padBox(meshBounds(ctx.track.frames[fr.index]!), pads, fr.width, fr.height);
    if (box) crops.push(boxCrop(fr, box, S));
  });
  return crops;
}
