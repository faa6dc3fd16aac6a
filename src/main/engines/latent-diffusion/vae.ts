/**
 * VAE encode / decode of aligned crops (StableDub Sec. III-A: z = E(x), x̂ = D(ẑ)).
 */
import type { GraphSession } from '../../models/sessions';
import type { LatentSpec } from '../../models/manifest';
import { rgbToPlanar, planarToRgb } from '../common/image-tensor';
import { runBatched } from '../common/run-graph';

/**
 * Encodes rgb24 crops (crop x crop) to model latents [n, C, h, w]:
 * z = (mean(E(x)) - shift) * scale, x normalized per `latent.pixels`. With `editable` (crop x crop,
 * 1 = editable) those pixels are set to `fill` first (the `masked` input).
 * @returns Float32Array(n * C * h * w), frame-major.
 */
export async function vaeEncode(
  graph: GraphSession,
  latent: LatentSpec,
  crops: Uint8Array[],
  crop: number,
  opts: { editable?: Float32Array; fill?: number; maxBatch?: number } = {},
): Promise<Float32Array> {
  const n = crops.length;
  const item = 3 * crop * crop;
  const data = new Float32Array(n * item);
  crops.forEach((c, i) => rgbToPlanar(c, crop, crop, latent.pixels, data, i * item, { editable: opts.editable, fillValue: opts.fill }));
  return encodeNormalized(graph, latent, data, n, crop, opts.maxBatch ?? 8);
}

/** Runs the encoder on normalized images [n, 3, crop, crop]; returns scaled latents [n, C, h, w]. */
async function encodeNormalized(graph: GraphSession, latent: LatentSpec, data: Float32Array, n: number, crop: number, maxBatch: number): Promise<Float32Array> {
  const out = (await runBatched(graph, { image: { data, itemDims: [3, crop, crop] } }, n, ['latent'], maxBatch)).latent;
  const [cOut, h, w] = out.itemDims;
  const C = latent.channels;
  if (cOut !== (latent.encoderOutput === 'moments' ? 2 * C : C)) {
    throw new Error(`vaeEncoder: output has ${cOut} channels, manifest latent.channels ${C} (${latent.encoderOutput})`);
  }
  const plane = h * w;
  const z = new Float32Array(n * C * plane);
  for (let i = 0; i < n; i++) {
    // With moments, the mean is the first C channels.
    const src = out.data.subarray(i * cOut * plane, i * cOut * plane + C * plane);
    const dst = i * C * plane;
    for (let k = 0; k < C * plane; k++) z[dst + k] = (src[k] - latent.shift) * latent.scale;
  }
  return z;
}

/**
 * Encodes each crop twice in one batched pass: with the editable pixels set to `fill` (the
 * `masked` input) and whole (the known latent for latent inpainting). Each crop is normalized
 * once. Returns [n, C, h, w] each.
 */
export async function vaeEncodeMaskedAndKnown(
  graph: GraphSession,
  latent: LatentSpec,
  crops: Uint8Array[],
  crop: number,
  editable: Float32Array,
  fill: number,
): Promise<{ masked: Float32Array; known: Float32Array }> {
  const n = crops.length;
  const item = 3 * crop * crop;
  const plane = crop * crop;
  const data = new Float32Array(2 * n * item);
  crops.forEach((c, i) => {
    const known = (n + i) * item;
    rgbToPlanar(c, crop, crop, latent.pixels, data, known);
    data.copyWithin(i * item, known, known + item);
    for (let p = 0; p < plane; p++)
      if (editable[p] > 0.5) {
        data[i * item + p] = fill;
        data[i * item + plane + p] = fill;
        data[i * item + 2 * plane + p] = fill;
      }
  });
  const z = await encodeNormalized(graph, latent, data, 2 * n, crop, 8);
  const per = z.length / (2 * n);
  return { masked: z.subarray(0, n * per), known: z.subarray(n * per) };
}

/**
 * Decodes model latents [n, C, h, w] to rgb24 crops: x = D(z / scale + shift), denormalized per
 * `latent.pixels` and clamped.
 */
export async function vaeDecode(graph: GraphSession, latent: LatentSpec, z: Float32Array, n: number, h: number, w: number, maxBatch = 8): Promise<{ crops: Uint8Array[]; size: number }> {
  const C = latent.channels;
  const data = new Float32Array(z.length);
  for (let k = 0; k < z.length; k++) data[k] = z[k] / latent.scale + latent.shift;
  const out = (await runBatched(graph, { latent: { data, itemDims: [C, h, w] } }, n, ['image'], maxBatch)).image;
  const [c, H, W] = out.itemDims;
  if (c !== 3 || H !== W) throw new Error(`vaeDecoder: expected [n, 3, S, S], got [n, ${out.itemDims.join(', ')}]`);
  const crops = Array.from({ length: n }, (_, i) => planarToRgb(out.data, W, H, latent.pixels, i * 3 * H * W));
  return { crops, size: H };
}
