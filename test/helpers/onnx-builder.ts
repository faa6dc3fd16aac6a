/**
 * Tiny real ONNX graphs built in TypeScript at test time (no weights are downloaded or committed).
 *
 * `GraphBuilder` wraps the `onnx-proto` protobuf classes: declare inputs/outputs with symbolic or
 * fixed dims, add initializers and nodes, and serialize a ModelProto that onnxruntime-node loads.
 * Opset 13 (ReduceMean takes `axes` as an attribute, Unsqueeze/Slice take them as inputs).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type OnnxDtype = 'float32' | 'float16' | 'int64' | 'int32';
export type Dim = number | string;

const DTYPE_CODE: Record<OnnxDtype, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
};

type AttrValue = number | number[] | string | { floats: number[] } | { float: number };

function valueInfo(name: string, dtype: OnnxDtype, shape: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DTYPE_CODE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.FLOAT, f: v.float };
}

/** Builds one ONNX graph; every helper returns the name of the value it produced. */
export class GraphBuilder {
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private counter = 0;

  constructor(private readonly name = 'tiny') {}

  /** Declares a graph input. */
  input(name: string, dtype: OnnxDtype, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Declares a graph output (the value `name` must be produced by a node). */
  output(name: string, dtype: OnnxDtype, shape: Dim[]): string {
    this.outputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Adds a float32 (or int64) initializer; returns its name. */
  init(data: Float32Array | number[] | BigInt64Array, dims: number[], dtype: 'float32' | 'int64' = 'float32'): string {
    const name = `c${this.counter++}`;
    if (dtype === 'int64') {
      const arr = data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data as ArrayLike<number>, (x) => BigInt(x)));
      this.inits.push({ name, dims, dataType: DTYPE_CODE.int64, rawData: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) });
    } else {
      const arr = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
      this.inits.push({ name, dims, dataType: DTYPE_CODE.float32, rawData: new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength)) });
    }
    return name;
  }

  /** A float32 scalar initializer (shape []). */
  scalar(v: number): string {
    return this.init([v], []);
  }

  /** An int64 1-D initializer (axes, shapes, starts...). */
  ints(values: number[]): string {
    return this.init(values, [values.length], 'int64');
  }

  /** Adds a node; returns its first output name (or `out` when given). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    const output = out ?? `v${this.counter++}`;
    this.nodes.push({
      opType,
      input: inputs,
      output: [output],
      name: `${opType}_${this.counter++}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** 2-D or 3-D convolution with given weights [Cout, Cin, ...k] and bias [Cout], "same" padding. */
  conv(x: string, weight: Float32Array, wDims: number[], bias: Float32Array | null, opts: { stride?: number; pad?: number } = {}, out?: string): string {
    const spatial = wDims.length - 2;
    const k = wDims.slice(2);
    const pad = opts.pad ?? Math.floor(k[0] / 2);
    const inputs = [x, this.init(weight, wDims)];
    if (bias) inputs.push(this.init(bias, [wDims[0]]));
    return this.op(
      'Conv',
      inputs,
      { kernel_shape: k, strides: new Array(spatial).fill(opts.stride ?? 1), pads: new Array(spatial * 2).fill(pad) },
      out,
    );
  }

  /** Serializes the graph as an ONNX ModelProto (IR 8, opset 13). */
  toBytes(opset = 13): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'dubbing-editor-tests',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: this.name,
        input: this.inputs,
        output: this.outputs,
        initializer: this.inits,
        node: this.nodes,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** Deterministic pseudo-random weights in [-scale, scale] (mulberry32), for tiny graphs. */
export function pseudoRandom(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (u * 2 - 1) * scale;
  }
  return out;
}
