/**
 * VAE encode / decode of aligned crops (StableDub Sec. III-A: z = E(x), x̂ = D(ẑ)).
 *
 * Images are normalized batch by batch into one batch buffer (from the caller's `ArrayPool` when
 * given) and latents are read straight from each batch's output, so a window of crops costs no
 * whole-set float copies.
 */
import type { GraphSession } from '../../models/sessions';
import type { LatentSpec } from '../../models/manifest';
import { editableRuns, rgbToPlanar, planarToRgb, type EditableRuns } from '../common/image-tensor';
import { runBatchedEach } from '../common/run-graph';
import type { ArrayPool } from '../common/array-pool';

/**
 * Encodes rgb24 crops (crop x crop) to model latents [n, C, h, w]:
 * z = (mean(E(x)) - shift) * scale, x normalized per `latent.pixels`. With `editable` (crop x crop,
 * 1 = editable, or its `editableRuns`) those pixels are set to `fill` first (the `masked` input).
 * @returns Float32Array(n * C * h * w), frame-major.
 */
export async function vaeEncode(
  graph: GraphSession,
  latent: LatentSpec,
  crops: Uint8Array[],
  crop: number,
  opts: { editable?: Float32Array | EditableRuns; fill?: number; maxBatch?: number; pool?: ArrayPool } = {},
): Promise<Float32Array> {
  const ed = opts.editable;
  const norm = { editable: ed instanceof Float32Array ? editableRuns(ed) : ed, fillValue: opts.fill };
  const fill = (dst: Float32Array, off: number, i: number) => rgbToPlanar(crops[i], crop, crop, latent.pixels, dst, off, norm);
  return encodeItems(graph, latent, fill, crops.length, crop, opts.maxBatch ?? 8, opts.pool);
}

/**
 * Runs the encoder on n normalized images [3, crop, crop] written by `fill`; returns scaled
 * latents [n, C, h, w]: z = (mean - shift) * scale, the mean being the first C output channels.
 * @throws Error when the output's channel count does not match the manifest.
 */
async function encodeItems(
  graph: GraphSession,
  latent: LatentSpec,
  fill: (dst: Float32Array, offset: number, item: number) => void,
  n: number,
  crop: number,
  maxBatch: number,
  pool?: ArrayPool,
): Promise<Float32Array> {
  const C = latent.channels;
  const { shift, scale } = latent;
  let z: Float32Array | null = null;
  await runBatchedEach(
    graph,
    'image',
    { itemDims: [3, crop, crop], fill },
    n,
    ['latent'],
    (first, count, res) => {
      const { data, itemDims } = res.latent;
      const [cOut, h, w] = itemDims;
      if (cOut !== (latent.encoderOutput === 'moments' ? 2 * C : C)) {
        throw new Error(`vaeEncoder: output has ${cOut} channels, manifest latent.channels ${C} (${latent.encoderOutput})`);
      }
      const per = C * h * w;
      z ??= new Float32Array(n * per);
      // With moments, the mean is the first C channels.
      for (let i = 0; i < count; i++) shiftScale(z, (first + i) * per, data, i * cOut * h * w, per, shift, scale);
    },
    { maxBatch, pool },
  );
  return z ?? new Float32Array(0);
}

/**
 * Encodes each crop twice in one batched pass: with the editable pixels set to `fill` (the
 * `masked` input) and whole (the known latent for latent inpainting). The encoder sees the items
 * [masked_0..masked_{n-1}, known_0..known_{n-1}] in batches of 8. Returns [n, C, h, w] each.
 */
export async function vaeEncodeMaskedAndKnown(
  graph: GraphSession,
  latent: LatentSpec,
  crops: Uint8Array[],
  crop: number,
  editable: Float32Array | EditableRuns,
  fill: number,
  pool?: ArrayPool,
): Promise<{ masked: Float32Array; known: Float32Array }> {
  const n = crops.length;
  // A mask is scanned once for all crops.
  const masked = { editable: editable instanceof Float32Array ? editableRuns(editable) : editable, fillValue: fill };
  const fillItem = (dst: Float32Array, off: number, i: number) =>
    i < n ? rgbToPlanar(crops[i], crop, crop, latent.pixels, dst, off, masked) : rgbToPlanar(crops[i - n], crop, crop, latent.pixels, dst, off);
  const z = await encodeItems(graph, latent, fillItem, 2 * n, crop, 8, pool);
  const per = z.length / (2 * n);
  return { masked: z.subarray(0, n * per), known: z.subarray(n * per) };
}

/**
 * Decodes model latents [n, C, h, w] batch by batch and hands each decoded image to `onImage` as
 * planes [3, S, S] at `planes[offset..]` (the graph's output, x = D(z / scale + shift), not yet
 * denormalized; valid only during the call).
 * @throws Error when the decoder does not return square 3-channel images.
 */
export async function vaeDecodeEach(
  graph: GraphSession,
  latent: LatentSpec,
  z: Float32Array,
  n: number,
  h: number,
  w: number,
  onImage: (i: number, planes: Float32Array, offset: number, size: number) => void,
  opts: { maxBatch?: number; pool?: ArrayPool } = {},
): Promise<void> {
  const C = latent.channels;
  const per = C * h * w;
  const { scale, shift } = latent;
  const fill = (dst: Float32Array, off: number, i: number) => unscaleShift(dst, off, z, i * per, per, scale, shift);
  await runBatchedEach(
    graph,
    'latent',
    { itemDims: [C, h, w], fill },
    n,
    ['image'],
    (first, count, res) => {
      const [c, H, W] = res.image.itemDims;
      if (c !== 3 || H !== W) throw new Error(`vaeDecoder: expected [n, 3, S, S], got [n, ${res.image.itemDims.join(', ')}]`);
      for (let i = 0; i < count; i++) onImage(first + i, res.image.data, i * 3 * H * W, H);
    },
    { maxBatch: opts.maxBatch ?? 8, pool: opts.pool },
  );
}

/**
 * Decodes model latents [n, C, h, w] to rgb24 crops: x = D(z / scale + shift), denormalized per
 * `latent.pixels` and clamped.
 */
export async function vaeDecode(graph: GraphSession, latent: LatentSpec, z: Float32Array, n: number, h: number, w: number, maxBatch = 8): Promise<{ crops: Uint8Array[]; size: number }> {
  const crops: Uint8Array[] = [];
  let size = 0;
  await vaeDecodeEach(graph, latent, z, n, h, w, (i, planes, offset, S) => {
    crops[i] = planarToRgb(planes, S, S, latent.pixels, offset);
    size = S;
  }, { maxBatch });
  return { crops, size };
}

/** dst[d + k] = (src[s + k] - shift) * scale for k < n: encoder mean -> model latent. */
function shiftScale(dst: Float32Array, d: number, src: Float32Array, s: number, n: number, shift: number, scale: number): void {
  for (let k = 0; k < n; k++) dst[d + k] = (src[s + k] - shift) * scale;
}

/** dst[d + k] = src[s + k] / scale + shift for k < n: model latent -> decoder input. */
function unscaleShift(dst: Float32Array, d: number, src: Float32Array, s: number, n: number, scale: number, shift: number): void {
  for (let k = 0; k < n; k++) dst[d + k] = src[s + k] / scale + shift;
}
