/**
 * Lip-habit condition (StableDub Sec. III-B): lip crops of K frames of the segment's lip-habit
 * reference, encoded by the pack's `habitEncoder` or fed to the denoiser as frames.
 */
import type { GraphSession } from '../../models/sessions';
import type { HabitSpec } from '../../models/manifest';
import { resizeAffine, warpAffineRgb } from '../../imaging/affine';
import { rgbToPlanar } from '../common/image-tensor';
import { makeTensor, readFloats } from '../common/tensors';

/** One habit item for the denoiser's `habit` input ([B, ...itemDims] with B the batch). */
export interface HabitCondition {
  value: Float32Array;
  itemDims: number[];
  nullValue: Float32Array;
}

/** Evenly spaced picks of k items out of n (k may exceed n: items repeat). */
export function evenPicks(n: number, k: number): number[] {
  if (n <= 0) return [];
  return Array.from({ length: k }, (_, i) => Math.min(n - 1, Math.floor(((i + 0.5) * n) / k)));
}

/**
 * Builds the lip-habit condition from aligned crops of reference frames (crop x crop rgb24).
 * The lip `region` of each crop is resized to `size` and normalized per `pixels` into
 * [1, K, 3, h, w]; `source: encoder` runs `habitEncoder` on it ([1, ...] feature), `frames` uses it
 * as is. Fewer than K crops are repeated; none gives the null value (zeros).
 */
export async function habitCondition(spec: HabitSpec, encoder: GraphSession | undefined, crops: Uint8Array[], crop: number): Promise<HabitCondition> {
  const [w, h] = spec.size;
  const K = spec.frames;
  const item = 3 * h * w;
  const frames = new Float32Array(K * item);
  const picks = evenPicks(crops.length, K);
  const [x0, y0, x1, y1] = spec.region;
  const m = resizeAffine(x0 * crop, y0 * crop, (x1 - x0) * crop, (y1 - y0) * crop, w, h);
  picks.forEach((p, k) => {
    const lip = warpAffineRgb({ width: crop, height: crop, data: crops[p] }, m, w, h, { antialias: true });
    rgbToPlanar(lip, w, h, spec.pixels, frames, k * item);
  });
  if (spec.source === 'frames') {
    return { value: picks.length ? frames : new Float32Array(K * item), itemDims: [K, 3, h, w], nullValue: new Float32Array(K * item) };
  }
  if (!encoder) throw new Error('habit.source "encoder" needs the habitEncoder graph');
  const inSpec = encoder.spec.inputs.frames;
  const dims = inSpec.shape.length === 5 ? [1, K, 3, h, w] : [K, 3, h, w];
  const res = await encoder.session.run({ [inSpec.name]: makeTensor(inSpec, frames, dims) });
  const t = res[encoder.spec.outputs.feature.name];
  const itemDims = (t.dims as number[]).slice(1);
  const value = Float32Array.from(readFloats(t));
  return { value: picks.length ? value : new Float32Array(value.length), itemDims, nullValue: new Float32Array(value.length) };
}
