/**
 * Running a pack graph over many items, batched along the first axis as the graph allows.
 */
import type * as ort from 'onnxruntime-node';
import type { GraphSession } from '../../models/sessions';
import { fixedBatch, makeTensor, numel, readFloats } from './tensors';

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
