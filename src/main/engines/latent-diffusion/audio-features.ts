/**
 * Per-frame audio conditions from the pack's audio encoder (wav2vec / HuBERT / whisper-style
 * hidden states): each video frame at time t takes the hidden-state rows covering
 * [t - beforeSec, t + afterSec) (LatentSync / MuseTalk: 80 ms before, 120 ms after).
 */
import type { GraphSession } from '../../models/sessions';
import type { AudioFrontEnd } from '../../models/manifest';
import { makeTensor, readFloats } from '../common/tensors';
import { throwIfAborted } from '../../util/errors';
import { segmentMelChunks } from '../common/mel-chunks';
import { runBatched } from '../common/run-graph';

type EncoderFrontEnd = Extract<AudioFrontEnd, { kind: 'encoder' }>;

/** Audio conditions of a segment: `perFrame` is [N, ...itemDims]; `nullValue` is one item. */
export interface AudioConditions {
  perFrame: Float32Array;
  itemDims: number[];
  nullValue: Float32Array;
}

/** Rows per frame Ta = round((before + after) / hop) and first row of frame `index` at `fps`. */
export function frameRows(fe: EncoderFrontEnd, fps: number, index: number): { first: number; count: number } {
  const count = Math.max(1, Math.round((fe.beforeSec + fe.afterSec) / fe.hopSec));
  // Times in seconds as float64; frame index / fps is the frame's presentation time.
  return { first: Math.round((index / fps - fe.beforeSec) / fe.hopSec), count };
}

/**
 * Runs the encoder over hidden rows [r0, r1) of `audio` (16 kHz, sample 0 = clip time 0; zeros
 * outside), in chunks of `chunkSec` with `contextSec` extra on each side that is dropped.
 * @returns rows [r1 - r0, D] and D.
 */
export async function encodeRows(graph: GraphSession, fe: EncoderFrontEnd, audio: Float32Array, r0: number, r1: number, signal?: AbortSignal): Promise<{ rows: Float32Array; dim: number }> {
  const hopS = Math.round(fe.hopSec * fe.sampleRate);
  const inSpec = graph.spec.inputs.audio;
  const outSpec = graph.spec.outputs.features;
  const fixedLen = typeof inSpec.shape[inSpec.shape.length - 1] === 'number' ? (inSpec.shape[inSpec.shape.length - 1] as number) : null;
  const ctx = Math.ceil(fe.contextSec / fe.hopSec);
  const chunkRows = fixedLen !== null ? Math.floor(fixedLen / hopS) - 2 * ctx : Math.max(1, Math.floor(fe.chunkSec / fe.hopSec));
  if (chunkRows < 1) throw new Error(`audioEncoder: fixed input of ${fixedLen} samples is shorter than the context (${fe.contextSec} s each side)`);
  let out: Float32Array | null = null;
  let dim = 0;
  for (let c0 = r0; c0 < r1; c0 += chunkRows) {
    throwIfAborted(signal);
    const rows = Math.min(chunkRows, r1 - c0);
    const s0 = (c0 - ctx) * hopS;
    let len = (rows + 2 * ctx) * hopS;
    if (fixedLen !== null) len = fixedLen;
    else len = Math.ceil(len / fe.padToMultiple) * fe.padToMultiple;
    const wave = new Float32Array(len);
    const a = Math.max(0, s0);
    const b = Math.min(audio.length, s0 + len);
    if (b > a) wave.set(audio.subarray(a, b), a - s0);
    const dims = inSpec.shape.length === 2 ? [1, len] : [1, 1, len];
    const res = await graph.session.run({ [inSpec.name]: makeTensor(inSpec, wave, dims) });
    const t = res[outSpec.name];
    const d = t.dims as number[];
    if (d.length !== 3) throw new Error(`audioEncoder output "${outSpec.name}" must be [1, T, D], got [${d.join(', ')}]`);
    const T = d[1];
    dim = d[2];
    const vals = readFloats(t);
    if (!out) out = new Float32Array((r1 - r0) * dim);
    for (let k = 0; k < rows; k++) {
      const src = Math.min(T - 1, ctx + k); // edge-clamp if the encoder returns a few rows less
      out.set(vals.subarray(src * dim, (src + 1) * dim), (c0 - r0 + k) * dim);
    }
  }
  return { rows: out ?? new Float32Array(0), dim };
}

/**
 * Audio conditions for frames `indices` (absolute clip frame indices) from the `audioEncoder`
 * graph: [N, Ta, D]. The null value is zeros, or the encoding of silence (`null: silence`).
 */
export async function encoderAudioConditions(
  graph: GraphSession,
  fe: EncoderFrontEnd,
  audio: Float32Array,
  fps: number,
  indices: number[],
  nullKind: 'zeros' | 'silence',
  signal?: AbortSignal,
): Promise<AudioConditions> {
  const firsts = indices.map((i) => frameRows(fe, fps, i).first);
  const Ta = frameRows(fe, fps, 0).count;
  const r0 = Math.min(...firsts);
  const r1 = Math.max(...firsts) + Ta;
  const { rows, dim } = await encodeRows(graph, fe, audio, r0, r1, signal);
  const per = new Float32Array(indices.length * Ta * dim);
  firsts.forEach((f, n) => per.set(rows.subarray((f - r0) * dim, (f - r0 + Ta) * dim), n * Ta * dim));
  let nullValue: Float32Array = new Float32Array(Ta * dim);
  if (nullKind === 'silence') {
    const silent = await encodeRows(graph, fe, new Float32Array(0), 0, Ta, signal);
    nullValue = silent.rows;
  }
  return { perFrame: per, itemDims: [Ta, dim], nullValue };
}

/**
 * Per-frame conditions from Wav2Lip-exact mel chunks [N, 1, 80, 16] of clip frames [start, end):
 * through the `audioEncoder` graph when the pack has one (features [N, ...]), else the chunks
 * themselves. Null value: zeros, or the condition of silence (mel of digital silence is -4).
 */
export async function melAudioConditions(graph: GraphSession | undefined, audio: Float32Array, fps: number, start: number, end: number, nullKind: 'zeros' | 'silence'): Promise<AudioConditions> {
  const n = end - start;
  const chunks = segmentMelChunks(audio, fps, start, end);
  const silentChunk = new Float32Array(1280).fill(-4);
  if (!graph) {
    return { perFrame: chunks, itemDims: [1, 80, 16], nullValue: nullKind === 'silence' ? silentChunk : new Float32Array(1280) };
  }
  const res = (await runBatched(graph, { audio: { data: chunks, itemDims: [1, 80, 16] } }, n, ['features'], 64)).features;
  let nullValue: Float32Array = new Float32Array(res.data.length / n);
  if (nullKind === 'silence') nullValue = Float32Array.from((await runBatched(graph, { audio: { data: silentChunk, itemDims: [1, 80, 16] } }, 1, ['features'])).features.data);
  return { perFrame: res.data, itemDims: res.itemDims, nullValue };
}
