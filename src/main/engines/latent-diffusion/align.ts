/**
 * Face alignment and crop-space masks for the latent-diffusion engine (StableDub Sec. III-C:
 * detailed -> coarse -> union mask; here the union is taken in the aligned crop, so the
 * inpainted region is fixed for the whole segment and the input frames do not jump).
 */
import type { TrackSample } from '../../tracking/types';
import type { CropMask, FaceAlignment } from '../../models/manifest';
import { applyAffine, composeAffine, fitSimilarity, type Affine } from '../../imaging/affine';
import { faceSimilarityTransform } from '../../tracking/landmarks';
import type { EditableRuns } from '../common/image-tensor';

/**
 * Frame -> crop similarity transform for a tracked face (crop pixel centres at integer coords).
 * `canonical`: crop = k (c - (center - size/2)) - 0.5 with c = `faceSimilarityTransform(mesh)`
 * canonical coordinates and k = crop / size. `landmarks`: least-squares fit of the mesh points
 * onto `template` (pixel centre = u * crop - 0.5).
 * @throws Error / RangeError when the mesh is degenerate.
 */
export function frameToCropTransform(sample: TrackSample, face: FaceAlignment, crop: number): Affine {
  if (face.kind === 'canonical') {
    const k = crop / face.size;
    const toCrop: Affine = [k, 0, -(face.center[0] - face.size / 2) * k - 0.5, 0, k, -(face.center[1] - face.size / 2) * k - 0.5];
    return composeAffine(toCrop, faceSimilarityTransform(sample.mesh).toCanonical);
  }
  const n = face.landmarks.length;
  const src = new Float64Array(2 * n);
  const dst = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = face.landmarks[i];
    src[2 * i] = sample.mesh[k * 3];
    src[2 * i + 1] = sample.mesh[k * 3 + 1];
    dst[2 * i] = face.template[i][0] * crop - 0.5;
    dst[2 * i + 1] = face.template[i][1] * crop - 0.5;
  }
  return fitSimilarity(src, dst);
}

/** A rectangle in crop pixels [x0, y0, x1, y1) (x1, y1 exclusive). */
export type PixelRect = [number, number, number, number];

/**
 * The editable rectangle in crop pixels for a segment. `rect`: the manifest's fixed rectangle.
 * `landmark-union`: bounding box over all frames of the mask landmarks mapped into the crop,
 * grown by `pad`, top clamped to >= `minTop`, clipped to the crop.
 * @param frames Per-frame (sample, transform) pairs of the segment (frames without a face omitted).
 */
export function editableRect(mask: CropMask, crop: number, frames: { sample: TrackSample; m: Affine }[]): PixelRect {
  if (mask.kind === 'rect') {
    const [x0, y0, x1, y1] = mask.rect;
    return [Math.round(x0 * crop), Math.round(y0 * crop), Math.round(x1 * crop), Math.round(y1 * crop)];
  }
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const { sample, m } of frames) {
    for (const k of mask.landmarks) {
      const [x, y] = applyAffine(m, sample.mesh[k * 3], sample.mesh[k * 3 + 1]);
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (!Number.isFinite(x0)) return [0, 0, 0, 0];
  const pad = mask.pad * crop;
  const clamp = (v: number) => Math.max(0, Math.min(crop, v));
  return [clamp(Math.floor(x0 - pad)), clamp(Math.max(Math.floor(y0 - pad), Math.round(mask.minTop * crop))), clamp(Math.ceil(x1 + pad) + 1), clamp(Math.ceil(y1 + pad) + 1)];
}

/** Masks of the editable region at crop and latent resolution. */
export interface CropMasks {
  rect: PixelRect;
  /** crop x crop, 1 = editable (fed to the model as the inpainting mask). */
  hard: Float32Array;
  /** The pixels of `hard` as row runs (for masking many crops without scanning the mask). */
  hardRuns: EditableRuns;
  /**
   * crop x crop, soft paste-back weight: 1 inside, ramping (smoothstep) to 0 at the rect edge over
   * `feather` x crop pixels; exactly 0 outside the rect, so pixels outside stay the original's.
   */
  soft: Float32Array;
  /** latent h x w, 1 where any pixel of the latent cell is editable (max pool of `hard`). */
  latent: Float32Array;
}

/** Builds the hard / soft / latent masks of an editable rectangle. */
export function buildCropMasks(rect: PixelRect, crop: number, downsample: number, feather: number): CropMasks {
  const [x0, y0, x1, y1] = rect;
  const hard = new Float32Array(crop * crop);
  const soft = new Float32Array(crop * crop);
  const fp = Math.max(1, feather * crop);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      hard[y * crop + x] = 1;
      const d = Math.min(x - x0 + 0.5, x1 - x - 0.5, y - y0 + 0.5, y1 - y - 0.5);
      const u = Math.min(1, d / fp);
      soft[y * crop + x] = u * u * (3 - 2 * u);
    }
  }
  const h = crop / downsample;
  const latent = new Float32Array(h * h);
  for (let j = 0; j < h; j++)
    for (let i = 0; i < h; i++) {
      const cx0 = i * downsample, cy0 = j * downsample;
      if (cx0 + downsample > x0 && cx0 < x1 && cy0 + downsample > y0 && cy0 < y1) latent[j * h + i] = 1;
    }
  const runs = new Int32Array(2 * Math.max(0, y1 - y0));
  if (x1 > x0) for (let y = y0; y < y1; y++) runs.set([y * crop + x0, y * crop + x1], 2 * (y - y0));
  return { rect, hard, hardRuns: { runs: x1 > x0 ? runs : new Int32Array(0) }, soft, latent };
}
