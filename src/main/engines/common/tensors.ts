/**
 * Feeding and reading ONNX Runtime tensors per the manifest's dtype (fp32 / fp16 / int64 /
 * int32), and resolving symbolic dims.
 */
import * as ort from 'onnxruntime-node';
import type { TensorSpec } from '../../models/manifest';
import { floatsToHalf, halfToFloats, toHalf } from './fp16';

/**
 * Concrete dims for a tensor spec: fixed dims are kept, symbolic dims are looked up in `sizes`
 * (e.g. { B: 6, F: 16 }), falling back to `fallback` for the first (batch) dim.
 * @throws RangeError naming the tensor and dim when a symbolic dim has no size.
 */
export function resolveDims(spec: TensorSpec, sizes: Record<string, number>): number[] {
  return spec.shape.map((d, i) => {
    if (typeof d === 'number') return d;
    const v = sizes[d] ?? sizes[`#${i}`];
    if (v === undefined) throw new RangeError(`tensor "${spec.name}": no size for symbolic dim "${d}" (axis ${i})`);
    return v;
  });
}

/** Number of elements of dims. */
export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Builds an ORT tensor with the spec's dtype from float data (converted to fp16 bits, or rounded
 * to int64/int32 for timesteps).
 * @throws RangeError when data.length does not match dims.
 */
export function makeTensor(spec: TensorSpec, data: Float32Array, dims: number[]): ort.Tensor {
  if (data.length !== numel(dims)) throw new RangeError(`tensor "${spec.name}": ${data.length} values for shape [${dims.join(', ')}]`);
  switch (spec.dtype) {
    case 'fp32':
      return new ort.Tensor('float32', data, dims);
    case 'fp16':
      return new ort.Tensor('float16', floatsToHalf(data), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(data, (v) => BigInt(Math.round(v))), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(data, (v) => Math.round(v)), dims);
  }
}

/**
 * `makeTensor(spec, new Float32Array(numel(dims)).fill(value), dims)` without the intermediate
 * arrays (e.g. a timestep for every batch item); the same values.
 */
export function makeFilledTensor(spec: TensorSpec, value: number, dims: number[]): ort.Tensor {
  const n = numel(dims);
  const v = Math.fround(value);
  switch (spec.dtype) {
    case 'fp32':
      return new ort.Tensor('float32', new Float32Array(n).fill(v), dims);
    case 'fp16':
      return new ort.Tensor('float16', new Uint16Array(n).fill(toHalf(v)), dims);
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(n).fill(BigInt(Math.round(v))), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(n).fill(Math.round(v)), dims);
  }
}

/**
 * A float16 ORT tensor over half bits (e.g. from `floatsToHalf`), without copying.
 * @throws RangeError when bits.length does not match dims.
 */
export function halfTensor(bits: Uint16Array, dims: number[]): ort.Tensor {
  if (bits.length !== numel(dims)) throw new RangeError(`float16 tensor: ${bits.length} values for shape [${dims.join(', ')}]`);
  return new ort.Tensor('float16', bits, dims);
}

/**
 * Reads an output tensor as Float32Array (fp16 converted; fp32 returned without copy).
 * @throws TypeError for non-float outputs.
 */
export function readFloats(t: ort.OnnxValue): Float32Array {
  const tensor = t as ort.Tensor;
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return halfToFloats(tensor.data as Uint16Array);
  throw new TypeError(`expected a float output, got ${tensor.type}`);
}

/** The fixed size of a tensor's first dim, or null when symbolic (batchable). */
export function fixedBatch(spec: TensorSpec): number | null {
  const d = spec.shape[0];
  return typeof d === 'number' ? d : null;
}
