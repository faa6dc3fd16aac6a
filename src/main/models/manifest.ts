/**
 * Model-pack manifest (`manifest.json`): zod schema, types and parsing with user-facing errors.
 *
 * A pack is a folder holding `manifest.json` plus the files it lists (ONNX graphs, each with its
 * SHA-256 and size). Every graph maps the engine's canonical tensor names (e.g. `sample`,
 * `timestep`, `audio`) to the graph's real names, with symbolic shapes and dtypes, so one engine
 * runs packs exported by different tools. See `docs` in the JSDoc of each field.
 */
import { z } from 'zod';
import { UserError } from '../util/errors';

/** Newest manifest format this app reads. Older versions are migrated in `parseManifest`. */
export const MANIFEST_FORMAT_VERSION = 1;

/** Tensor element types a pack may declare (ORT names: float32, float16, int64, int32). */
export const TensorDtype = z.enum(['fp32', 'fp16', 'int64', 'int32']);
export type TensorDtype = z.infer<typeof TensorDtype>;

/** A dim: a fixed size, or a symbolic name (e.g. `"B"`) meaning "any size, chosen at run time". */
const Dim = z.union([z.number().int().nonnegative(), z.string().min(1)]);

/** One tensor of a graph: its real name in the graph, shape with symbolic dims, element type. */
export const TensorSpec = z.object({
  name: z.string().min(1),
  shape: z.array(Dim),
  dtype: TensorDtype,
});
export type TensorSpec = z.infer<typeof TensorSpec>;

/** A graph: its file in the pack and canonical-name -> real tensor mapping for inputs/outputs. */
export const GraphSpec = z.object({
  file: z.string().min(1),
  inputs: z.record(z.string(), TensorSpec),
  outputs: z.record(z.string(), TensorSpec),
});
export type GraphSpec = z.infer<typeof GraphSpec>;

const RelPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !/^[a-zA-Z]:/.test(p) && !p.split('/').includes('..'), {
    message: 'must be a relative path inside the pack (no "..", no absolute path)',
  });

/** A file of the pack with its SHA-256 (hex, lower case) and size in bytes. */
export const PackFile = z.object({
  path: RelPath,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  size: z.number().int().nonnegative(),
});
export type PackFile = z.infer<typeof PackFile>;

export const Licence = z.object({
  /** SPDX id or short name, e.g. `Apache-2.0`, `CC-BY-NC-4.0`, `research-only`. */
  name: z.string().min(1),
  url: z.string().optional(),
  /** False when the licence forbids commercial use; the UI warns before export. */
  commercialUse: z.boolean().optional(),
  notes: z.string().optional(),
});

/** Pixel normalization of an image tensor: value = lo + (hi - lo) * rgb8 / 255, in that channel order. */
export const PixelSpec = z.object({
  range: z.tuple([z.number(), z.number()]).default([-1, 1]),
  channelOrder: z.enum(['RGB', 'BGR']).default('RGB'),
});
export type PixelSpec = z.infer<typeof PixelSpec>;

/** Normalized rectangle [x0, y0, x1, y1] in the aligned crop (0..1). */
const NormRect = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .refine(([x0, y0, x1, y1]) => x0 < x1 && y0 < y1 && x0 >= 0 && y0 >= 0 && x1 <= 1 && y1 <= 1, {
    message: 'must be [x0, y0, x1, y1] with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1',
  });

/**
 * Face alignment: a similarity transform (rotation, uniform scale, translation) per frame, then a
 * square crop of `resolution.crop` pixels.
 * `canonical` (default): the app's rigid-point fit of the mesh to MediaPipe's canonical face
 * (`faceSimilarityTransform` in tracking/landmarks.ts: unit = outer inter-ocular distance, origin
 * between the outer eye corners, y down); the crop is the square of side `size` units centred at
 * `center`. Mouth and jaw do not move it.
 * `landmarks`: least-squares fit of the mesh points `landmarks` onto `template` (normalized crop
 * coordinates 0..1, origin top-left), for packs trained on a specific landmark template.
 */
export const FaceAlignment = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('canonical'),
    center: z.tuple([z.number(), z.number()]).default([0, 0.25]),
    size: z.number().positive().default(2.1),
  }),
  z
    .object({
      kind: z.literal('landmarks'),
      landmarks: z.array(z.number().int().min(0).max(467)).min(2),
      template: z.array(z.tuple([z.number(), z.number()])).min(2),
    })
    .refine((f) => f.landmarks.length === f.template.length, { message: 'landmarks and template need the same length' }),
]);
export type FaceAlignment = z.infer<typeof FaceAlignment>;

/**
 * Editable (inpainted) region in the aligned crop. `rect`: a fixed rectangle. `landmark-union`:
 * StableDub's union mask in crop space: the bounding box of `landmarks` over all frames of the
 * segment, grown by `pad` (fraction of the crop), clamped below `minTop`. `feather` (fraction of
 * the crop) softens the pixel-space paste-back edge; the model input uses the hard mask.
 */
export const CropMask = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rect'), rect: NormRect, feather: z.number().min(0).max(0.5).default(0.04) }),
  z.object({
    kind: z.literal('landmark-union'),
    landmarks: z.array(z.number().int().min(0).max(467)).min(1),
    pad: z.number().min(0).max(0.5).default(0.05),
    minTop: z.number().min(0).max(1).default(0),
    feather: z.number().min(0).max(0.5).default(0.04),
  }),
]);
export type CropMask = z.infer<typeof CropMask>;

/** DDIM sampler configuration (diffusers `DDIMScheduler` semantics). */
export const SamplerSpec = z.object({
  kind: z.literal('ddim').default('ddim'),
  trainTimesteps: z.number().int().positive().default(1000),
  betaStart: z.number().positive().default(0.00085),
  betaEnd: z.number().positive().default(0.012),
  betaSchedule: z.enum(['scaled_linear', 'linear']).default('scaled_linear'),
  steps: z.number().int().positive().default(20),
  stepsOffset: z.number().int().nonnegative().default(1),
  eta: z.number().min(0).max(1).default(0),
  timestepSpacing: z.enum(['leading', 'trailing', 'linspace']).default('leading'),
  predictionType: z.enum(['epsilon', 'v_prediction', 'sample']).default('epsilon'),
  setAlphaToOne: z.boolean().default(false),
  clipSample: z.boolean().default(false),
  clipSampleRange: z.number().positive().default(1),
});
export type SamplerSpec = z.infer<typeof SamplerSpec>;

/**
 * Audio front-end. `encoder`: the pack's `audioEncoder` graph maps 16 kHz mono waveform
 * [1, S] (S padded to a multiple of `padToMultiple`) to hidden states [1, T, D] at `hopSec`;
 * each video frame at time t takes the T-rows in [t - beforeSec, t + afterSec) (LatentSync /
 * MuseTalk use 80 ms before, 120 ms after). `wav2lip-mel`: the Wav2Lip-exact mel chunk
 * [1, 80, 16] per frame, fed to the `audioEncoder` graph (or straight to the denoiser when the
 * pack has no audio encoder).
 */
export const AudioFrontEnd = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('encoder'),
    input: z.literal('waveform').default('waveform'),
    sampleRate: z.literal(16000).default(16000),
    hopSec: z.number().positive().default(0.02),
    beforeSec: z.number().nonnegative().default(0.08),
    afterSec: z.number().nonnegative().default(0.12),
    padToMultiple: z.number().int().positive().default(320),
    /** Longest waveform fed in one run, and context added on each side of a chunk (seconds). */
    chunkSec: z.number().positive().default(30),
    contextSec: z.number().nonnegative().default(1),
  }),
  z.object({ kind: z.literal('wav2lip-mel') }),
]);
export type AudioFrontEnd = z.infer<typeof AudioFrontEnd>;

/** Null (dropped) value of a guidance condition: zero embedding, or the encoding of silence. */
const NullValue = z.enum(['zeros', 'silence']);

export const GuidanceSpec = z.object({
  audio: z.object({ null: NullValue.default('zeros') }).default({ null: 'zeros' }),
  habit: z.object({ null: z.literal('zeros').default('zeros') }).optional(),
  defaults: z.object({ audio: z.number().default(1.5), habit: z.number().default(1) }).default({ audio: 1.5, habit: 1 }),
  max: z.number().positive().default(5),
});
export type GuidanceSpec = z.infer<typeof GuidanceSpec>;

/**
 * Lip-habit input (StableDub Sec. III-B). `frames` reference frames are sampled evenly from the
 * lip-habit reference range; `region` of each aligned crop is resized to `size` [w, h].
 * `source: encoder` runs the `habitEncoder` graph on them ([1, K, 3, h, w] -> feature); `frames`
 * feeds them to the denoiser's `habit` input directly.
 */
export const HabitSpec = z.object({
  source: z.enum(['encoder', 'frames']),
  frames: z.number().int().positive().default(8),
  region: NormRect.default([0.2, 0.5, 0.8, 0.95]),
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]).default([64, 32]),
  pixels: PixelSpec.default({ range: [0, 1], channelOrder: 'RGB' }),
});
export type HabitSpec = z.infer<typeof HabitSpec>;

/**
 * Denoiser input layout. `frames-in-batch`: image-like tensors [N, C, h, w] with N = branches x
 * frames (audio [N, Ta, D], habit [N, ...]); `video`: [B, C, F, h, w] with B = branches (audio
 * [B, F, Ta, D], habit [B, ...]), for UNets with temporal layers.
 */
export const TemporalSpec = z.object({
  window: z.number().int().positive().default(16),
  overlap: z.number().int().nonnegative().default(4),
  layout: z.enum(['frames-in-batch', 'video']).default('frames-in-batch'),
  /** Per-step pull of shared frames toward the previous window's trajectory (0 = off, 1 = full). */
  harmonize: z.number().min(0).max(1).default(0),
});

export const LatentSpec = z.object({
  channels: z.number().int().positive().default(4),
  downsample: z.number().int().positive().default(8),
  /** z_model = (z_vae - shift) * scale (SD VAE: scale 0.18215, shift 0). */
  scale: z.number().positive().default(0.18215),
  shift: z.number().default(0),
  /** `moments`: the encoder outputs [mean, logvar] on the channel axis; the mean is used. */
  encoderOutput: z.enum(['mean', 'moments']).default('mean'),
  pixels: PixelSpec.default({ range: [-1, 1], channelOrder: 'RGB' }),
});
export type LatentSpec = z.infer<typeof LatentSpec>;

/**
 * Components concatenated on the channel axis into the denoiser's `sample` input, in order:
 * `noisy` (z_t), `mask` (1 = editable, latent resolution), `masked` (latent of the frame with the
 * editable region filled), `reference` (appearance latent). Components not listed here but
 * present as denoiser inputs of the same canonical name are fed separately.
 */
const SampleComponent = z.enum(['noisy', 'mask', 'masked', 'reference']);

export const Resolution = z.object({
  /** Square aligned-crop size in pixels. */
  crop: z.number().int().positive(),
  /** True when the graphs only run at this size (fixed dims). */
  locked: z.boolean().default(true),
});

const Common = {
  formatVersion: z.number().int().positive(),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_", "-" (max 64)'),
  name: z.string().min(1),
  description: z.string().optional(),
  licence: Licence,
  files: z.array(PackFile).min(1),
};

export const LatentDiffusionManifest = z.object({
  ...Common,
  family: z.literal('latent-diffusion'),
  graphs: z.object({
    denoiser: GraphSpec,
    vaeEncoder: GraphSpec,
    vaeDecoder: GraphSpec,
    audioEncoder: GraphSpec.optional(),
    habitEncoder: GraphSpec.optional(),
  }),
  resolution: Resolution,
  face: FaceAlignment,
  mask: CropMask,
  /** Value written into the editable region of the `masked` input (model pixel units). */
  maskFill: z.number().default(0),
  audio: AudioFrontEnd,
  latent: LatentSpec.default(LatentSpec.parse({})),
  sampleComponents: z.array(SampleComponent).min(1).default(['noisy']),
  sampler: SamplerSpec.default(SamplerSpec.parse({})),
  guidance: GuidanceSpec.default(GuidanceSpec.parse({})),
  habit: HabitSpec.optional(),
  temporal: TemporalSpec.default(TemporalSpec.parse({})),
  /** Latent inpainting (DiffDub Eq. 1): re-impose the noised known latent outside the mask each step. */
  latentInpainting: z.boolean().default(true),
});
export type LatentDiffusionManifest = z.infer<typeof LatentDiffusionManifest>;

export const Wav2LipManifest = z.object({
  ...Common,
  family: z.literal('wav2lip'),
  graphs: z.object({ generator: GraphSpec }),
  audio: z.object({ kind: z.literal('wav2lip-mel') }).default({ kind: 'wav2lip-mel' }),
  /** Face size of the generator (96 for Wav2Lip, 288 for some HD variants). */
  faceSize: z.number().int().positive().default(96),
  /** Face box padding in pixels [top, bottom, left, right] (Wav2Lip `--pads`, default 0 10 0 0). */
  pads: z.tuple([z.number(), z.number(), z.number(), z.number()]).default([0, 10, 0, 0]),
});
export type Wav2LipManifest = z.infer<typeof Wav2LipManifest>;

export const PackManifest = z.discriminatedUnion('family', [LatentDiffusionManifest, Wav2LipManifest]);
export type PackManifest = z.infer<typeof PackManifest>;
export type PackFamily = PackManifest['family'];

/** Canonical tensors each graph role must map (required) or may map (optional). */
export const GRAPH_CONTRACTS: Record<string, { inputs: string[]; optionalInputs: string[]; outputs: string[] }> = {
  denoiser: { inputs: ['sample', 'timestep', 'audio'], optionalInputs: ['habit', 'mask', 'masked', 'reference'], outputs: ['prediction'] },
  vaeEncoder: { inputs: ['image'], optionalInputs: [], outputs: ['latent'] },
  vaeDecoder: { inputs: ['latent'], optionalInputs: [], outputs: ['image'] },
  audioEncoder: { inputs: ['audio'], optionalInputs: [], outputs: ['features'] },
  habitEncoder: { inputs: ['frames'], optionalInputs: [], outputs: ['feature'] },
  generator: { inputs: ['mel', 'face'], optionalInputs: [], outputs: ['image'] },
};

/** Cross-field checks zod cannot express per field; returns problems as "path: message". */
function semanticProblems(m: PackManifest): string[] {
  const problems: string[] = [];
  const listed = new Set(m.files.map((f) => f.path));
  if (listed.size !== m.files.length) problems.push('files: a path is listed twice');
  for (const [role, g] of Object.entries(m.graphs) as [string, GraphSpec | undefined][]) {
    if (!g) continue;
    if (!listed.has(g.file)) problems.push(`graphs.${role}.file: "${g.file}" is not listed in files`);
    const contract = GRAPH_CONTRACTS[role];
    for (const t of contract.inputs) if (!g.inputs[t]) problems.push(`graphs.${role}.inputs: missing canonical tensor "${t}"`);
    for (const t of Object.keys(g.inputs))
      if (!contract.inputs.includes(t) && !contract.optionalInputs.includes(t))
        problems.push(`graphs.${role}.inputs: unknown canonical tensor "${t}" (known: ${[...contract.inputs, ...contract.optionalInputs].join(', ')})`);
    for (const t of contract.outputs) if (!g.outputs[t]) problems.push(`graphs.${role}.outputs: missing canonical tensor "${t}"`);
  }
  if (m.family === 'latent-diffusion') {
    const d = m.graphs.denoiser.inputs;
    if (d.habit && !m.habit) problems.push('habit: the denoiser has a "habit" input, so the manifest needs a "habit" section');
    if (m.habit && !d.habit) problems.push('habit: the denoiser has no "habit" input');
    if (m.habit?.source === 'encoder' && !m.graphs.habitEncoder) problems.push('habit.source "encoder" needs graphs.habitEncoder');
    if (d.habit && !m.guidance.habit) problems.push('guidance.habit: needed when the denoiser has a "habit" input');
    if (m.audio.kind === 'encoder' && !m.graphs.audioEncoder) problems.push('audio.kind "encoder" needs graphs.audioEncoder');
    if (m.resolution.crop % m.latent.downsample !== 0) problems.push('resolution.crop must be a multiple of latent.downsample');
    if (m.temporal.overlap >= m.temporal.window) problems.push('temporal.overlap must be smaller than temporal.window');
    for (const c of m.sampleComponents)
      if (c !== 'noisy' && d[c]) problems.push(`sampleComponents: "${c}" is both concatenated into "sample" and a separate input`);
    if (!m.sampleComponents.includes('noisy')) problems.push('sampleComponents must include "noisy"');
    if (m.sampler.steps > m.sampler.trainTimesteps) problems.push('sampler.steps must not exceed sampler.trainTimesteps');
  }
  return problems;
}

/**
 * Validates a parsed `manifest.json` object.
 * @param where Pack folder or file, for the error message.
 * @throws UserError `E_PACK_MANIFEST` listing every problem with its JSON path, or
 *   `E_PACK_VERSION` when the pack needs a newer app.
 */
export function parseManifest(raw: unknown, where: string): PackManifest {
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > MANIFEST_FORMAT_VERSION) {
    throw new UserError(
      'E_PACK_VERSION',
      `Model pack ${where} uses manifest format ${version}; this app reads format ${MANIFEST_FORMAT_VERSION} and older.`,
      'Update the app, or use a pack made for this version.',
    );
  }
  const res = PackManifest.safeParse(raw);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new UserError('E_PACK_MANIFEST', `Invalid manifest in model pack ${where}:\n  ${lines.join('\n  ')}`, 'Fix manifest.json or reinstall the pack.');
  }
  const problems = semanticProblems(res.data);
  if (problems.length) {
    throw new UserError('E_PACK_MANIFEST', `Invalid manifest in model pack ${where}:\n  ${problems.join('\n  ')}`, 'Fix manifest.json or reinstall the pack.');
  }
  return res.data;
}
