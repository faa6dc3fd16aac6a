/**
 * Tiny model packs and synthetic faces built at test time (no weights are downloaded or
 * committed). The graphs are real ONNX graphs whose outputs depend on their inputs in a known way,
 * so guidance arithmetic, windows and paste-back can be checked exactly:
 *
 *   vaeEncoder  z = blockmean_d(x) · A            (Conv d x d, stride d; A is 4x3)
 *   vaeDecoder  x = upsample_d(z · pinv(A))       (ConvTranspose d x d, stride d)
 *   audioEnc    feat = reshape(|wave|, [1, T, 320]) · W    (W > 0: features track loudness)
 *   habitEnc    feat = mean_{K,h,w}(frames) · H   ([1, K, 3, h, w] -> [1, Dh])
 *   denoiser    eps = conv3x3(sample) + ca·mean(audio) + ch·mean(habit) + ct·t/1000
 *   wav2lip     out = sigmoid(conv3x3(face) + cm·mean(mel))
 */
import { createHash } from 'node:crypto';
import { readFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { GraphBuilder, pseudoRandom, type Dim } from './onnx-builder';
import type { RgbFrame } from '../../src/main/media/types';
import type { FaceTrack, TrackSample } from '../../src/main/tracking/types';
import type { SegmentContext, FrameRange } from '../../src/main/engines/types';
import type { VideoInfo } from '../../src/main/media/types';

export const A_ENC = [
  [0.5, 0.3, 0.2],
  [-0.3, 0.5, -0.2],
  [0.2, -0.4, 0.6],
  [0.25, 0.25, 0.25],
];

/** Moore-Penrose pseudo-inverse of the 4x3 matrix A (as 3x4): (AᵀA)⁻¹ Aᵀ. */
function pinvA(): number[][] {
  const A = A_ENC;
  const M = [0, 1, 2].map((i) => [0, 1, 2].map((j) => A.reduce((s, r) => s + r[i] * r[j], 0)));
  const det = M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  const inv = [
    [(M[1][1] * M[2][2] - M[1][2] * M[2][1]) / det, (M[0][2] * M[2][1] - M[0][1] * M[2][2]) / det, (M[0][1] * M[1][2] - M[0][2] * M[1][1]) / det],
    [(M[1][2] * M[2][0] - M[1][0] * M[2][2]) / det, (M[0][0] * M[2][2] - M[0][2] * M[2][0]) / det, (M[0][2] * M[1][0] - M[0][0] * M[1][2]) / det],
    [(M[1][0] * M[2][1] - M[1][1] * M[2][0]) / det, (M[0][1] * M[2][0] - M[0][0] * M[2][1]) / det, (M[0][0] * M[1][1] - M[0][1] * M[1][0]) / det],
  ];
  // P[c][k] = sum_j inv[c][j] * A[k][j]
  return [0, 1, 2].map((c) => [0, 1, 2, 3].map((k) => inv[c].reduce((s, v, j) => s + v * A[k][j], 0)));
}

export function vaeEncoderGraph(crop: number, d: number, opts: { moments?: boolean } = {}): Uint8Array {
  const g = new GraphBuilder('vae_enc');
  const x = g.input('pixels', 'float32', ['batch', 3, crop, crop]);
  const C = opts.moments ? 8 : 4;
  const w = new Float32Array(C * 3 * d * d);
  for (let co = 0; co < C; co++) for (let ci = 0; ci < 3; ci++) for (let k = 0; k < d * d; k++) w[(co * 3 + ci) * d * d + k] = (co < 4 ? A_ENC[co][ci] : 0.01) / (d * d);
  g.conv(x, w, [C, 3, d, d], null, { stride: d, pad: 0 }, 'latent_dist');
  g.output('latent_dist', 'float32', ['batch', C, crop / d, crop / d]);
  return g.toBytes();
}

export function vaeDecoderGraph(crop: number, d: number): Uint8Array {
  const g = new GraphBuilder('vae_dec');
  const z = g.input('z', 'float32', ['batch', 4, crop / d, crop / d]);
  const P = pinvA();
  const w = new Float32Array(4 * 3 * d * d);
  for (let ci = 0; ci < 4; ci++) for (let co = 0; co < 3; co++) for (let k = 0; k < d * d; k++) w[(ci * 3 + co) * d * d + k] = P[co][ci];
  g.op('ConvTranspose', [z, g.init(w, [4, 3, d, d])], { kernel_shape: [d, d], strides: [d, d] }, 'sample');
  g.output('sample', 'float32', ['batch', 3, crop, crop]);
  return g.toBytes();
}

export function audioEncoderGraph(D: number): Uint8Array {
  const g = new GraphBuilder('audio_enc');
  const x = g.input('waveform', 'float32', [1, 'samples']);
  const a = g.op('Abs', [x]);
  const r = g.op('Reshape', [a, g.ints([1, -1, 320])]);
  const w = pseudoRandom(320 * D, 7, 0.5).map((v) => (1 + v) / 320);
  g.op('MatMul', [r, g.init(w, [320, D])], {}, 'hidden');
  g.output('hidden', 'float32', [1, 'frames', D]);
  return g.toBytes();
}

export function habitEncoderGraph(K: number, hh: number, hw: number, Dh: number): Uint8Array {
  const g = new GraphBuilder('habit_enc');
  const x = g.input('lip_frames', 'float32', [1, K, 3, hh, hw]);
  const m = g.op('ReduceMean', [x], { axes: [1, 3, 4], keepdims: 0 });
  g.op('MatMul', [m, g.init(pseudoRandom(3 * Dh, 11, 1), [3, Dh])], {}, 'habit_embedding');
  g.output('habit_embedding', 'float32', [1, Dh]);
  return g.toBytes();
}

export interface DenoiserGraphOptions {
  layout: 'frames-in-batch' | 'video';
  lat: number;
  sampleChannels: number;
  Ta: number;
  D: number;
  /** Audio item dims after the batch (default [Ta, D]; [1, 80, 16] for Wav2Lip mel chunks). */
  audioItem?: number[];
  /** Habit item dims after the batch (none = no habit input). */
  habitDims: number[] | null;
  batch: Dim;
  frames?: Dim;
  timestep: 'int64' | 'float32';
  timestepShape: Dim[];
  dtype: 'float32' | 'float16';
  ca: number;
  ch: number;
  ct: number;
  /** Weight scale of the conv (0 makes eps independent of the sample). */
  convScale: number;
  /** Video layout: weight of the previous/next-frame taps relative to the current frame's. */
  temporalMix?: number;
  /** Replace the single conv by a small UNet-like stack (64-128 channels; frames-in-batch only). */
  unet?: boolean;
}

/**
 * A small UNet-like conv stack: conv 3x3 Cin->64, conv 3x3 stride 2 64->128, conv 3x3 128->128,
 * transposed conv 2x2 stride 2 128->64 (+ skip), conv 3x3 64->4; ReLU between. Sized for the
 * bench (about 0.16 GFLOP per 32x32 item), not for quality.
 */
function smallUnet(g: GraphBuilder, x: string, cin: number): string {
  const w = (n: number, fanIn: number, seed: number) => pseudoRandom(n, seed, 1 / Math.sqrt(fanIn));
  const h1 = g.op('Relu', [g.conv(x, w(64 * cin * 9, cin * 9, 21), [64, cin, 3, 3], new Float32Array(64))]);
  const h2 = g.op('Relu', [g.conv(h1, w(128 * 64 * 9, 64 * 9, 22), [128, 64, 3, 3], new Float32Array(128), { stride: 2, pad: 1 })]);
  const h3 = g.op('Relu', [g.conv(h2, w(128 * 128 * 9, 128 * 9, 23), [128, 128, 3, 3], new Float32Array(128))]);
  const up = g.op('ConvTranspose', [h3, g.init(w(128 * 64 * 4, 128 * 4, 24), [128, 64, 2, 2])], { kernel_shape: [2, 2], strides: [2, 2] });
  const h4 = g.op('Relu', [g.op('Add', [up, h1])]);
  return g.conv(h4, w(4 * 64 * 9, 64 * 9, 25).map((v) => v * 0.1), [4, 64, 3, 3], new Float32Array(4));
}

/** eps = conv(sample) + ca·mean(audio) + ch·mean(habit) + ct·t/1000 (see file comment). */
export function denoiserGraph(o: DenoiserGraphOptions): Uint8Array {
  const g = new GraphBuilder('denoiser');
  const video = o.layout === 'video';
  const F = o.frames ?? 'frames';
  const sampleShape: Dim[] = video ? [o.batch, o.sampleChannels, F, o.lat, o.lat] : [o.batch, o.sampleChannels, o.lat, o.lat];
  const item = o.audioItem ?? [o.Ta, o.D];
  const audioShape: Dim[] = video ? [o.batch, F, ...item] : [o.batch, ...item];
  const f32 = (name: string, shape: Dim[]) => {
    g.input(name, o.dtype, shape);
    return o.dtype === 'float16' ? g.op('Cast', [name], { to: 1 }) : name;
  };
  const sample = f32('latent_model_input', sampleShape);
  const audio = f32('audio_embeds', audioShape);
  g.input('t', o.timestep, o.timestepShape);
  const t = g.op('Cast', ['t'], { to: 1 });
  const kdims = video ? [4, o.sampleChannels, 3, 3, 3] : [4, o.sampleChannels, 3, 3];
  const kw = pseudoRandom(kdims.reduce((a, b) => a * b, 1), 3, o.convScale / Math.sqrt(o.sampleChannels * 9));
  // Video layout: the previous / next frame taps are scaled by temporalMix (temporal layers).
  if (video) for (let i = 0; i < kw.length; i++) if (Math.floor(i / 9) % 3 !== 1) kw[i] *= o.temporalMix ?? 0.25;
  const conv = o.unet && !video ? smallUnet(g, sample, o.sampleChannels) : g.conv(sample, kw, kdims, null);
  // audio mean per item (and per frame in video layout)
  const am = g.op('ReduceMean', [audio], { axes: item.map((_, i) => i + (video ? 2 : 1)), keepdims: 0 });
  const amB = video ? g.op('Unsqueeze', [am, g.ints([1, 3, 4])]) : g.op('Reshape', [am, g.ints([-1, 1, 1, 1])]);
  let eps = g.op('Add', [conv, g.op('Mul', [amB, g.scalar(o.ca)])]);
  if (o.habitDims) {
    const habit = f32('habit_cond', [o.batch, ...o.habitDims]);
    const hm = g.op('ReduceMean', [habit], { axes: o.habitDims.map((_, i) => i + 1), keepdims: 0 });
    const hmB = g.op('Reshape', [hm, g.ints(video ? [-1, 1, 1, 1, 1] : [-1, 1, 1, 1])]);
    eps = g.op('Add', [eps, g.op('Mul', [hmB, g.scalar(o.ch)])]);
  }
  const tB = g.op('Reshape', [t, g.ints(video ? [-1, 1, 1, 1, 1] : [-1, 1, 1, 1])]);
  eps = g.op('Add', [eps, g.op('Mul', [tB, g.scalar(o.ct / 1000)])]);
  if (o.dtype === 'float16') g.op('Cast', [eps], { to: 10 }, 'noise_pred');
  else g.op('Identity', [eps], {}, 'noise_pred');
  g.output('noise_pred', o.dtype, video ? [o.batch, 4, F, o.lat, o.lat] : [o.batch, 4, o.lat, o.lat]);
  return g.toBytes();
}

/** Wav2Lip contract: face [B,6,S,S] + mel [B,1,80,16] -> sigmoid(conv(face) + cm·mean(mel)). */
export function wav2lipGraph(o: { size?: number; batch?: Dim; names?: [string, string, string]; cm?: number } = {}): Uint8Array {
  const S = o.size ?? 96;
  const [melName, faceName, outName] = o.names ?? ['mel_spectrogram', 'video_frames', 'predicted_frames'];
  const g = new GraphBuilder('wav2lip');
  const mel = g.input(melName, 'float32', [o.batch ?? 'B', 1, 80, 16]);
  const face = g.input(faceName, 'float32', [o.batch ?? 'B', 6, S, S]);
  // Identity-like conv: output channel c copies the reference channel c (3 + c) plus a little of the masked input.
  const w = new Float32Array(3 * 6 * 9);
  for (let c = 0; c < 3; c++) {
    w[(c * 6 + 3 + c) * 9 + 4] = 4;
    w[(c * 6 + c) * 9 + 4] = 0.5;
  }
  const conv = g.conv(face, w, [3, 6, 3, 3], Float32Array.from([-2, -2, -2]));
  const mm = g.op('ReduceMean', [mel], { axes: [1, 2, 3], keepdims: 1 });
  g.op('Sigmoid', [g.op('Add', [conv, g.op('Mul', [mm, g.scalar(o.cm ?? 0.25)])])], {}, outName);
  g.output(outName, 'float32', [o.batch ?? 'B', 3, S, S]);
  return g.toBytes();
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface TinyLdPackOptions {
  id?: string;
  crop?: number;
  downsample?: number;
  habit?: 'encoder' | 'frames' | false;
  layout?: 'frames-in-batch' | 'video';
  /** Fixed frame count of a video-layout denoiser (default symbolic). */
  frames?: number;
  batch?: Dim;
  timestep?: 'int64' | 'float32';
  timestepShape?: 'batch' | 'scalar' | 'one';
  dtype?: 'float32' | 'float16';
  ca?: number;
  ch?: number;
  ct?: number;
  convScale?: number;
  temporalMix?: number;
  unet?: boolean;
  window?: number;
  overlap?: number;
  steps?: number;
  sampleComponents?: ('noisy' | 'mask' | 'masked' | 'reference')[];
  latentInpainting?: boolean;
  audioNull?: 'zeros' | 'silence';
  /** Audio front-end: the waveform encoder graph (default) or raw Wav2Lip mel chunks. */
  audioFrontEnd?: 'encoder' | 'wav2lip-mel';
  mask?: unknown;
  /** Override manifest fields after generation (to make broken packs). */
  patchManifest?: (m: Record<string, unknown>) => void;
}

/**
 * Writes a tiny latent-diffusion pack into `dir`: vaeEncoder, vaeDecoder, audioEncoder, optional
 * habitEncoder and the denoiser, plus a manifest with SHA-256s. Returns the manifest object.
 */
export async function writeTinyLdPack(dir: string, o: TinyLdPackOptions = {}): Promise<Record<string, unknown>> {
  const crop = o.crop ?? 64;
  const d = o.downsample ?? 8;
  const lat = crop / d;
  const D = 6;
  const Ta = 10; // 0.2 s at 20 ms
  const K = 4, hh = 8, hw = 16, Dh = 5;
  const habit = o.habit === undefined ? 'encoder' : o.habit;
  const comps = o.sampleComponents ?? ['noisy', 'mask', 'masked', 'reference'];
  const Cs = comps.reduce((s, c) => s + (c === 'mask' ? 1 : 4), 0);
  const layout = o.layout ?? 'frames-in-batch';
  const batch = o.batch ?? 'batch';
  const tsKind = o.timestepShape ?? 'batch';
  const tShape: Dim[] = tsKind === 'scalar' ? [] : tsKind === 'one' ? [1] : [batch];
  const dtype = o.dtype ?? 'float32';
  const mdt = dtype === 'float16' ? 'fp16' : 'fp32';
  const habitDims = habit === 'encoder' ? [Dh] : habit === 'frames' ? [K, 3, hh, hw] : null;
  const mel = o.audioFrontEnd === 'wav2lip-mel';
  const files: Record<string, Uint8Array> = {
    'vae_encoder.onnx': vaeEncoderGraph(crop, d),
    'vae_decoder.onnx': vaeDecoderGraph(crop, d),
    ...(mel ? {} : { 'audio_encoder.onnx': audioEncoderGraph(D) }),
    'unet.onnx': denoiserGraph({
      layout,
      lat,
      sampleChannels: Cs,
      Ta,
      D,
      audioItem: mel ? [1, 80, 16] : undefined,
      habitDims,
      batch,
      frames: o.frames,
      timestep: o.timestep ?? 'int64',
      timestepShape: tShape,
      dtype,
      ca: o.ca ?? 0.5,
      ch: o.ch ?? 0.3,
      ct: o.ct ?? 0.1,
      convScale: o.convScale ?? 0.3,
      temporalMix: o.temporalMix,
      unet: o.unet,
    }),
  };
  if (habit === 'encoder') files['habit_encoder.onnx'] = habitEncoderGraph(K, hh, hw, Dh);
  await fsp.mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await fsp.writeFile(path.join(dir, name), bytes);
  const F: Dim = o.frames ?? 'F';
  const denoiserInputs: Record<string, unknown> = {
    sample: { name: 'latent_model_input', shape: layout === 'video' ? [batch, Cs, F, lat, lat] : [batch, Cs, lat, lat], dtype: mdt },
    timestep: { name: 't', shape: tShape, dtype: (o.timestep ?? 'int64') === 'int64' ? 'int64' : 'fp32' },
    audio: { name: 'audio_embeds', shape: layout === 'video' ? [batch, F, ...(mel ? [1, 80, 16] : [Ta, D])] : [batch, ...(mel ? [1, 80, 16] : [Ta, D])], dtype: mdt },
  };
  if (habitDims) denoiserInputs.habit = { name: 'habit_cond', shape: [batch, ...habitDims], dtype: mdt };
  const manifest: Record<string, unknown> = {
    formatVersion: 1,
    id: o.id ?? 'tiny-ld',
    name: 'Tiny latent-diffusion test pack',
    licence: { name: 'MIT', commercialUse: true },
    family: 'latent-diffusion',
    files: Object.entries(files).map(([p, b]) => ({ path: p, sha256: sha256(b), size: b.length })),
    graphs: {
      vaeEncoder: { file: 'vae_encoder.onnx', inputs: { image: { name: 'pixels', shape: ['N', 3, crop, crop], dtype: 'fp32' } }, outputs: { latent: { name: 'latent_dist', shape: ['N', 4, lat, lat], dtype: 'fp32' } } },
      vaeDecoder: { file: 'vae_decoder.onnx', inputs: { latent: { name: 'z', shape: ['N', 4, lat, lat], dtype: 'fp32' } }, outputs: { image: { name: 'sample', shape: ['N', 3, crop, crop], dtype: 'fp32' } } },
      ...(mel ? {} : { audioEncoder: { file: 'audio_encoder.onnx', inputs: { audio: { name: 'waveform', shape: [1, 'S'], dtype: 'fp32' } }, outputs: { features: { name: 'hidden', shape: [1, 'T', D], dtype: 'fp32' } } } }),
      denoiser: {
        file: 'unet.onnx',
        inputs: denoiserInputs,
        outputs: { prediction: { name: 'noise_pred', shape: layout === 'video' ? [batch, 4, F, lat, lat] : [batch, 4, lat, lat], dtype: mdt } },
      },
      ...(habit === 'encoder'
        ? { habitEncoder: { file: 'habit_encoder.onnx', inputs: { frames: { name: 'lip_frames', shape: [1, K, 3, hh, hw], dtype: 'fp32' } }, outputs: { feature: { name: 'habit_embedding', shape: [1, Dh], dtype: 'fp32' } } } }
        : {}),
    },
    resolution: { crop, locked: true },
    face: { kind: 'canonical', center: [0, 0.3], size: 2.0 },
    mask: o.mask ?? { kind: 'landmark-union', landmarks: [61, 291, 0, 17, 13, 14, 152], pad: 0.06, minTop: 0.45, feather: 0.06 },
    audio: mel ? { kind: 'wav2lip-mel' } : { kind: 'encoder', hopSec: 0.02, beforeSec: 0.08, afterSec: 0.12, padToMultiple: 320, chunkSec: 2, contextSec: 0.2 },
    latent: { channels: 4, downsample: d, scale: 0.5, shift: 0, pixels: { range: [-1, 1], channelOrder: 'RGB' } },
    sampleComponents: comps,
    sampler: { steps: o.steps ?? 4, timestepSpacing: 'leading', stepsOffset: 1 },
    guidance: { audio: { null: o.audioNull ?? 'zeros' }, ...(habitDims ? { habit: { null: 'zeros' } } : {}), defaults: { audio: 2, habit: 1.5 } },
    ...(habitDims ? { habit: { source: habit, frames: K, size: [hw, hh], region: [0.2, 0.55, 0.8, 0.95] } } : {}),
    temporal: { window: o.window ?? 4, overlap: o.overlap ?? 2, layout },
    latentInpainting: o.latentInpainting ?? true,
  };
  o.patchManifest?.(manifest);
  await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Writes a tiny Wav2Lip pack (generator + manifest) into `dir`. */
export async function writeTinyWav2LipPack(dir: string, o: { id?: string; size?: number; batch?: Dim } = {}): Promise<Record<string, unknown>> {
  const S = o.size ?? 96;
  const bytes = wav2lipGraph({ size: S, batch: o.batch });
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, 'wav2lip.onnx'), bytes);
  const b = o.batch ?? 'B';
  const manifest = {
    formatVersion: 1,
    id: o.id ?? 'tiny-w2l',
    name: 'Tiny Wav2Lip test pack',
    licence: { name: 'MIT' },
    family: 'wav2lip',
    files: [{ path: 'wav2lip.onnx', sha256: sha256(bytes), size: bytes.length }],
    graphs: {
      generator: {
        file: 'wav2lip.onnx',
        inputs: { mel: { name: 'mel_spectrogram', shape: [b, 1, 80, 16], dtype: 'fp32' }, face: { name: 'video_frames', shape: [b, 6, S, S], dtype: 'fp32' } },
        outputs: { image: { name: 'predicted_frames', shape: [b, 3, S, S], dtype: 'fp32' } },
      },
    },
    faceSize: S,
  };
  await fsp.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

// ---------------------------------------------------------------------------------------------
// Synthetic faces

let uv: [number, number][] | null = null;

/** MediaPipe's 468 canonical UV coordinates, read from the installed @vladmandic/human sources. */
export function canonicalUv(): [number, number][] {
  if (uv) return uv;
  const file = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../node_modules/@vladmandic/human/src/face/facemeshcoords.ts');
  const s = readFileSync(file, 'utf8');
  const i = s.indexOf('export const UV468');
  const body = s.slice(s.indexOf('=', i) + 1, s.indexOf('];', i) + 1).replace(/,\s*]$/, ']');
  uv = JSON.parse(body) as [number, number][];
  return uv;
}

/**
 * A 468-point mesh laid out like a real face: centre between the outer eye corners at (cx, cy),
 * inter-ocular distance `iod` pixels, roll `angle` radians; `open` lowers the lower lip and chin
 * by that fraction of the iod.
 */
export function syntheticMesh(cx: number, cy: number, iod: number, angle = 0, open = 0): Float32Array {
  const u = canonicalUv();
  const [ex, ey] = [(u[33][0] + u[263][0]) / 2, (u[33][1] + u[263][1]) / 2];
  const k = iod / Math.abs(u[263][0] - u[33][0]);
  const mouthY = u[13][1];
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const mesh = new Float32Array(468 * 3);
  for (let i = 0; i < 468; i++) {
    const x = (u[i][0] - ex) * k;
    let y = (u[i][1] - ey) * k;
    if (u[i][1] > mouthY + 0.002) y += open * iod * Math.min(1, (u[i][1] - mouthY) / 0.05);
    mesh[i * 3] = cx + cos * x - sin * y;
    mesh[i * 3 + 1] = cy + sin * x + cos * y;
  }
  return mesh;
}

export function sampleFromMesh(mesh: Float32Array): TrackSample {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < 468; i++) {
    x0 = Math.min(x0, mesh[i * 3]);
    x1 = Math.max(x1, mesh[i * 3]);
    y0 = Math.min(y0, mesh[i * 3 + 1]);
    y1 = Math.max(y1, mesh[i * 3 + 1]);
  }
  return { box: [x0, y0, x1 - x0, y1 - y0], mesh, score: 1, interpolated: false };
}

/** Draws a frame: gradient background, skin ellipse, dark eyes and a mouth opening per the mesh. */
export function drawFace(width: number, height: number, mesh: Float32Array, index: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  const p = (i: number) => [mesh[i * 3], mesh[i * 3 + 1]];
  const fy = p(10)[1], cy2 = p(152)[1], lx = p(234)[0], rx = p(454)[0];
  const ccx = (lx + rx) / 2, ccy = (fy + cy2) / 2, rxx = Math.abs(rx - lx) / 2, ryy = Math.abs(cy2 - fy) / 2;
  const [ux, uy] = p(13), [dx, dy] = p(14), [mlx] = p(61), [mrx] = p(291);
  const mcx = (ux + dx) / 2, mcy = (uy + dy) / 2, mrw = Math.abs(mrx - mlx) / 2, mrh = Math.max(1, Math.abs(dy - uy) / 2 + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let r = 40 + ((x * 90) / width) | 0, g = 60 + ((y * 80) / height) | 0, b = 90 + (((x + y + index) * 13) % 40);
      const e = ((x - ccx) / rxx) ** 2 + ((y - ccy) / ryy) ** 2;
      if (e < 1) {
        r = 205 - ((x * 7 + y * 3) % 11);
        g = 160 - ((x * 5 + y * 2) % 9);
        b = 135;
      }
      for (const eye of [33, 263]) {
        const [ex, ey] = p(eye);
        if ((x - ex) ** 2 + (y - ey) ** 2 < (rxx * 0.08) ** 2) r = g = b = 30;
      }
      const m = ((x - mcx) / mrw) ** 2 + ((y - mcy) / mrh) ** 2;
      if (m < 1) {
        r = 120;
        g = 40;
        b = 50;
      }
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
    }
  }
  return { index, width, height, data };
}

/** A synthetic talking clip: frames with a face whose mouth opens and closes, and its track. */
export interface SyntheticClip {
  frames: RgbFrame[];
  track: FaceTrack;
  video: VideoInfo;
  audio: Float32Array;
}

export function syntheticClip(o: { width?: number; height?: number; frames?: number; fps?: number; missing?: number[] } = {}): SyntheticClip {
  const width = o.width ?? 160, height = o.height ?? 128, n = o.frames ?? 20, fps = o.fps ?? 25;
  const frames: RgbFrame[] = [];
  const samples: (TrackSample | null)[] = [];
  for (let i = 0; i < n; i++) {
    const mesh = syntheticMesh(width / 2 + Math.sin(i / 5) * 3, height * 0.38, width * 0.22, 0.03 * Math.sin(i / 7), 0.15 * (1 + Math.sin(i / 2)));
    frames.push(drawFace(width, height, mesh, i));
    samples.push(o.missing?.includes(i) ? null : sampleFromMesh(mesh));
  }
  const sr = 16000;
  const audio = new Float32Array(Math.ceil(((n + 2) / fps) * sr));
  for (let s = 0; s < audio.length; s++) audio[s] = 0.4 * Math.sin((2 * Math.PI * 220 * s) / sr) * (0.5 + 0.5 * Math.sin((2 * Math.PI * 2 * s) / sr));
  const video: VideoInfo = {
    path: 'synthetic',
    width,
    height,
    fpsNum: fps,
    fpsDen: 1,
    fps,
    variableFrameRate: false,
    frameCount: n,
    duration: n / fps,
    rotation: 0,
    sampleAspectRatio: [1, 1],
    pixelFormat: 'rgb24',
    bitDepth: 8,
    codec: 'rawvideo',
    audioStreams: [],
  };
  return { frames, track: { id: 0, frames: samples }, video, audio };
}

/** A SegmentContext over in-memory frames; `reads` records every readFrames range. */
export function segmentContext(
  clip: SyntheticClip,
  range: FrameRange,
  reference: FrameRange,
  params: Record<string, number>,
  extra: Partial<SegmentContext> = {},
): SegmentContext & { reads: FrameRange[] } {
  const reads: FrameRange[] = [];
  return {
    video: clip.video,
    range,
    reference,
    track: clip.track,
    dubAudio: clip.audio,
    originalAudio: clip.audio,
    async readFrames(r, onFrame) {
      reads.push(r);
      for (let i = r.start; i < r.end && i < clip.frames.length; i++) await onFrame(clip.frames[i]);
    },
    params,
    reads,
    ...extra,
  };
}

/**
 * The first `frames` frames of a real clip from ../shared/media, tracked with the app's tracker,
 * with a dubbed audio track (16 kHz mono), as a `SyntheticClip` for the engines.
 */
export async function loadSharedClip(video: string, audio: string, frames: number): Promise<SyntheticClip> {
  const { probeMedia } = await import('../../src/main/media/probe');
  const { decodeFrames } = await import('../../src/main/media/decode');
  const { trackClip } = await import('../../src/main/tracking/track-clip');
  const { decodeAudioMono16k } = await import('../../src/main/media/audio-decode');
  const info = await probeMedia(video);
  const list: RgbFrame[] = [];
  for await (const f of decodeFrames(info, { start: 0, end: frames })) list.push(f);
  async function* iter() {
    yield* list;
  }
  const tracking = await trackClip(iter(), { width: list[0].width, height: list[0].height, frameCount: list.length, fps: info.fps });
  return { frames: list, track: tracking.tracks[0], video: { ...info, frameCount: list.length }, audio: await decodeAudioMono16k(audio) };
}
