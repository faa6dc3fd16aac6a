/**
 * Running a pack graph over many items, batched along the first axis as the graph allows.
 */
import type * as ort from 'onnxruntime-node';
import type { GraphSession } from '../../models/sessions';
import { fixedBatch, makeTensor, numel, readFloats } from './tensors';
import type { ArrayPool } from './array-pool';

/** Per-item input: `data` holds n items of `numel(itemDims)` values each, item-major. */
export interface BatchedInput {
  data: Float32Array;
  itemDims: number[];
}

/**
 * Runs `graph` on n items: canonical inputs -> canonical outputs, each [n, ...itemDims]. Items go
 * in batches of the graph's fixed batch size (the last batch padded by repeating its last item),
 * or of `maxBatch` when the batch dim is symbolic.
 * @returns For each requested canonical output, Float32Array of n items (item-major) and item dims.
 * @throws Error with the graph role when ORT fails.
 */
export async function runBatched(
  graph: GraphSession,
  inputs: Record<string, BatchedInput>,
  n: number,
  outputs: string[],
  maxBatch = 16,
): Promise<Record<string, { data: Float32Array; itemDims: number[] }>> {
  const specs = graph.spec.inputs;
  const fixed = Object.keys(inputs).map((k) => fixedBatch(specs[k])).find((b) => b !== null) ?? null;
  const batch = fixed ?? Math.max(1, Math.min(maxBatch, n));
  const result: Record<string, { data: Float32Array; itemDims: number[] }> = {};
  for (let s = 0; s < n; s += batch) {
    const count = Math.min(batch, n - s);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [key, inp] of Object.entries(inputs)) {
      const item = numel(inp.itemDims);
      let buf: Float32Array;
      if (count === batch) {
        buf = inp.data.subarray(s * item, (s + count) * item); // a view: no copy
      } else {
        buf = new Float32Array(batch * item);
        buf.set(inp.data.subarray(s * item, (s + count) * item));
        for (let p = count; p < batch; p++) buf.copyWithin(p * item, (count - 1) * item, count * item);
      }
      feeds[specs[key].name] = makeTensor(specs[key], buf, [batch, ...inp.itemDims]);
    }
    let res: ort.InferenceSession.ReturnType;
    try {
      res = await graph.session.run(feeds);
    } catch (err) {
      throw new Error(`graph "${graph.role}" failed: ${(err as Error).message}`, { cause: err });
    }
    for (const key of outputs) {
      const t = res[graph.spec.outputs[key].name] as ort.Tensor;
      const itemDims = t.dims.slice(1) as number[];
      const item = numel(itemDims);
      const vals = readFloats(t);
      if (!result[key]) result[key] = { data: new Float32Array(n * item), itemDims };
      result[key].data.set(vals.subarray(0, count * item), s * item);
    }
  }
  return result;
}

/** One input of `runBatchedEach`: items are written on demand into a reused batch buffer. */
export interface StreamedInput {
  itemDims: number[];
  /** Writes item `item` (numel(itemDims) values) at `dst[offset..]`. */
  fill: (dst: Float32Array, offset: number, item: number) => void;
}

/**
 * `runBatched` without whole-set buffers: for each batch, the items are written by `fill` into one
 * batch buffer reused from batch to batch (taken from `pool` and given back at the end when a pool
 * is passed), and the batch's outputs are handed to `onBatch` as views of the ORT output (valid
 * only during the call) before the next batch runs. Batch sizes, padding (the last batch repeats
 * its last item) and so the graph's inputs and outputs are exactly those of `runBatched`.
 * @param onBatch Gets the first item index, the item count (without padding) and, per requested
 *   canonical output, the batch's values (item-major, padded items included) and item dims.
 * @throws Error with the graph role when ORT fails; whatever `fill` or `onBatch` throw.
 */
export async function runBatchedEach(
  graph: GraphSession,
  inputKey: string,
  input: StreamedInput,
  n: number,
  outputs: string[],
  onBatch: (first: number, count: number, out: Record<string, { data: Float32Array; itemDims: number[] }>) => void,
  opts: { maxBatch?: number; pool?: ArrayPool } = {},
): Promise<void> {
  const spec = graph.spec.inputs[inputKey];
  const batch = fixedBatch(spec) ?? Math.max(1, Math.min(opts.maxBatch ?? 16, n));
  const item = numel(input.itemDims);
  const buf = opts.pool ? opts.pool.float32(batch * item) : new Float32Array(batch * item);
  try {
    for (let s = 0; s < n; s += batch) {
      const count = Math.min(batch, n - s);
      for (let i = 0; i < count; i++) input.fill(buf, i * item, s + i);
      for (let p = count; p < batch; p++) buf.copyWithin(p * item, (count - 1) * item, count * item);
      let res: ort.InferenceSession.ReturnType;
      try {
        res = await graph.session.run({ [spec.name]: makeTensor(spec, buf, [batch, ...input.itemDims]) });
      } catch (err) {
        throw new Error(`graph "${graph.role}" failed: ${(err as Error).message}`, { cause: err });
      }
      const out: Record<string, { data: Float32Array; itemDims: number[] }> = {};
      for (const key of outputs) {
        const t = res[graph.spec.outputs[key].name] as ort.Tensor;
        out[key] = { data: readFloats(t), itemDims: t.dims.slice(1) as number[] };
      }
      onBatch(s, count, out);
    }
  } finally {
    opts.pool?.give(buf);
  }
}
