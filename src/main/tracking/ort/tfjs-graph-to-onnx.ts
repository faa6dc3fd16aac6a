/**
 * Converts a TensorFlow.js graph model (`model.json` + weights `.bin`, as shipped in the
 * `@vladmandic/human` npm package) to an ONNX model that onnxruntime-node runs natively.
 *
 * Why: the same BlazeFace / FaceMesh networks run 4-8x faster in onnxruntime's native CPU kernels
 * than in tfjs-wasm, which makes face tracking cheap enough for cold exports. Nothing is
 * downloaded; the conversion is done in memory from the installed package's files.
 *
 * Scope: the op set of convolutional mobile vision graphs (`_FusedConv2D` with BiasAdd and
 * Relu / Relu6 / Prelu, `DepthwiseConv2dNative`, `AddV2`, `Relu`, `Relu6`, `Prelu`, `Sigmoid`,
 * `MaxPool`, `Pad`, `Reshape`, `Identity`). Any other op throws, naming it.
 *
 * Layout: TF graphs are NHWC; ONNX convolutions are NCHW. Every rank-4 activation is kept in
 * NCHW inside the ONNX graph (filters are transposed once, at conversion), and tensors are
 * transposed back to NHWC only where NHWC semantics matter (before `Reshape`, at rank-4 graph
 * outputs), so outputs have exactly the shapes and element order of the TF graph. The graph input
 * is NCHW `[N, C, H, W]` with `inputLayout: 'NCHW'` (callers fill it directly, no transpose), or
 * the original NHWC.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;
type IAttr = onnxProto.onnx.IAttributeProto;

/** The parts of a tfjs `model.json` this converter reads. */
export interface TfjsGraphModelJson {
  modelTopology: { node: TfjsNode[] };
  weightsManifest: Array<{ paths: string[]; weights: TfjsWeightSpec[] }>;
}

interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfjsAttr>;
}

interface TfjsAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: string[]; f?: number[] };
  shape?: { dim?: Array<{ size: string }> };
}

interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'float16' | 'uint8' | 'uint16'; scale?: number; min?: number };
}

/** A constant of the TF graph, dequantized. */
interface Weight {
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface ConvertOptions {
  /** Layout of the ONNX graph's input: 'NCHW' (default; no transpose in the graph) or 'NHWC'. */
  inputLayout?: 'NCHW' | 'NHWC';
  /**
   * Make the batch dimension dynamic: the input's batch becomes `N` and a `Reshape` whose target
   * starts with a fixed 1 gets -1 there (graphs exported with batch 1). Default false.
   */
  dynamicBatch?: boolean;
}

export interface ConvertedModel {
  /** Serialized ONNX ModelProto (IR 8, opset 13). */
  bytes: Uint8Array;
  /** Graph input name and its shape in `inputLayout` (-1 = dynamic batch). */
  input: { name: string; shape: number[] };
  /** Graph output names, in the order of the TF graph's terminal nodes. */
  outputs: string[];
}

const halfTable = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return t;
})();

/**
 * Reads the weights of `json` from the concatenated `.bin` bytes (manifest order), dequantizing
 * float16 and affine uint8/uint16 weights to float32.
 * @throws Error when `bin` is shorter than the manifest says, or a dtype is unsupported.
 */
export function readTfjsWeights(json: TfjsGraphModelJson, bin: Uint8Array): Map<string, Weight> {
  const out = new Map<string, Weight>();
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let offset = 0;
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const bytesPer = q ? (q.dtype === 'uint8' ? 1 : 2) : 4;
      if (offset + n * bytesPer > bin.length) throw new Error(`weights file too short for ${w.name} (need ${offset + n * bytesPer} bytes, have ${bin.length})`);
      let data: Float32Array | Int32Array;
      if (w.dtype === 'int32' && !q) {
        data = new Int32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getInt32(offset + i * 4, true);
      } else if (w.dtype !== 'float32') {
        throw new Error(`unsupported weight dtype ${w.dtype} (${w.name})`);
      } else if (!q) {
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + i * 4, true);
      } else if (q.dtype === 'float16') {
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = halfTable[view.getUint16(offset + i * 2, true)];
      } else {
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = (q.dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + i * 2, true)) * scale + min;
      }
      out.set(w.name, { shape: w.shape, data });
      offset += n * bytesPer;
    }
  }
  return out;
}

/** TF activations this converter maps (fused into a convolution or standalone). */
const ACTIVATIONS = { Relu: true, Relu6: true, Prelu: true, Sigmoid: true } as const;

const decode = (s?: string): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');
const ints = (a?: TfjsAttr): number[] => (a?.list?.i ?? []).map(Number);

function attr(name: string, v: number | number[] | string | { float: number }): IAttr {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return { name, type: T.FLOAT, f: v.float };
}

/** HWIO filter [kh, kw, ci, co] -> OIHW [co, ci, kh, kw]. */
function hwioToOihw(w: Weight): Weight {
  const [kh, kw, ci, co] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = w.data[((y * kw + x) * ci + i) * co + o];
  return { shape: [co, ci, kh, kw], data: out };
}

/**
 * Depthwise filter [kh, kw, ci, mult] -> grouped OIHW [ci * mult, 1, kh, kw]. Output channel
 * i * mult + j is already the row-major order of the last two dims, so this is the HWIO
 * transpose of the same bytes read as [kh, kw, 1, ci * mult].
 */
function depthwiseToOihw(w: Weight): Weight {
  const [kh, kw, ci, m] = w.shape;
  return hwioToOihw({ shape: [kh, kw, 1, ci * m], data: w.data });
}

/**
 * Converts a tfjs graph model to ONNX (see the module comment for the op set and layout rules).
 * `bin` is the model's weights file (all manifest paths concatenated, in order).
 * @throws Error naming the node when an op, attribute or padding mode is not supported, or when
 *   a node's input is missing.
 */
export function convertTfjsGraphModel(json: TfjsGraphModelJson, bin: Uint8Array, options: ConvertOptions = {}): ConvertedModel {
  const weights = readTfjsWeights(json, bin);
  const nodes: INode[] = [];
  const inits: ITensor[] = [];
  /** Values produced so far: name in ONNX, and whether it is a rank-4 tensor stored NCHW. */
  const values = new Map<string, { onnx: string; nchw: boolean }>();
  let counter = 0;
  const fresh = (base: string) => `${base}__${counter++}`;

  const addFloat = (name: string, w: Weight): string => {
    const f = w.data instanceof Float32Array ? w.data : Float32Array.from(w.data);
    inits.push({ name, dims: w.shape, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength)) });
    return name;
  };
  const addInt64 = (values: number[]): string => {
    const name = fresh('i64');
    const a = BigInt64Array.from(values.map((v) => BigInt(v)));
    inits.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(a.buffer) });
    return name;
  };
  const emit = (opType: string, inputs: string[], attrs: IAttr[] = [], out = fresh(opType)): string => {
    nodes.push({ opType, input: inputs, output: [out], name: fresh(`n_${opType}`), attribute: attrs });
    return out;
  };
  const weightOf = (node: TfjsNode, k: number): Weight => {
    const name = (node.input?.[k] ?? '').split(':')[0];
    const w = weights.get(name);
    if (!w) throw new Error(`${node.name} (${node.op}): input ${k} (${name}) is not a constant`);
    return w;
  };
  const valueOf = (node: TfjsNode, k: number): { onnx: string; nchw: boolean } => {
    const name = (node.input?.[k] ?? '').split(':')[0];
    const v = values.get(name);
    if (v) return v;
    const w = weights.get(name);
    if (w) {
      // A constant operand of an elementwise op on an NCHW tensor: per-channel vectors become [C, 1, 1].
      const shaped = w.shape.length >= 1 && w.shape.length <= 3 && w.shape.slice(0, -1).every((d) => d === 1) ? { shape: [w.shape[w.shape.length - 1], 1, 1], data: w.data } : w;
      const c = { onnx: addFloat(fresh('const'), shaped), nchw: false };
      return c;
    }
    throw new Error(`${node.name} (${node.op}): input ${k} (${name}) is not produced by any node`);
  };
  /** Emits activation `op` on `x` (Relu6 as Clip(0, 6); Prelu with the slope from `slope()`). */
  const activate = (op: keyof typeof ACTIVATIONS, x: string, slope: () => string, out: string): string => {
    if (op === 'Relu6') return emit('Clip', [x, addFloat(fresh('lo'), { shape: [], data: new Float32Array([0]) }), addFloat(fresh('hi'), { shape: [], data: new Float32Array([6]) })], [], out);
    if (op === 'Prelu') return emit('PRelu', [x, slope()], [], out);
    return emit(op, [x], [], out);
  };
  const toNhwc = (v: { onnx: string; nchw: boolean }): string => (v.nchw ? emit('Transpose', [v.onnx], [attr('perm', [0, 2, 3, 1])]) : v.onnx);

  const padAttrs = (node: TfjsNode): IAttr[] => {
    const padding = decode(node.attr?.padding?.s);
    if (padding === 'SAME') return [attr('auto_pad', 'SAME_UPPER')];
    if (padding === 'VALID') return [];
    if (padding === 'EXPLICIT') {
      const p = ints(node.attr?.explicit_paddings); // NHWC pairs
      return [attr('pads', [p[2], p[4], p[3], p[5]])];
    }
    throw new Error(`${node.name} (${node.op}): padding mode '${padding}' is not supported`);
  };
  const spatial = (a?: TfjsAttr): number[] => {
    const v = ints(a);
    return v.length === 4 ? [v[1], v[2]] : [1, 1];
  };
  const checkNhwc = (node: TfjsNode) => {
    const f = decode(node.attr?.data_format?.s);
    if (f && f !== 'NHWC') throw new Error(`${node.name} (${node.op}): data_format ${f} is not supported`);
  };

  let input: ConvertedModel['input'] | null = null;
  const consumed = new Set<string>();
  for (const node of json.modelTopology.node) for (const i of node.input ?? []) consumed.add(i.split(':')[0].replace(/^\^/, ''));

  for (const node of json.modelTopology.node) {
    const out = node.name;
    switch (node.op) {
      case 'Const':
        break;
      case 'Placeholder': {
        const dims = (node.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.length !== 4) throw new Error(`input ${out}: only rank-4 NHWC inputs are supported (shape ${JSON.stringify(dims)})`);
        const [n0, h, w, c] = dims;
        const n = options.dynamicBatch ? -1 : n0;
        if (options.inputLayout === 'NHWC') {
          input = { name: out, shape: [n, h, w, c] };
          values.set(out, { onnx: emit('Transpose', [out], [attr('perm', [0, 3, 1, 2])]), nchw: true });
        } else {
          input = { name: out, shape: [n, c, h, w] };
          values.set(out, { onnx: out, nchw: true });
        }
        break;
      }
      case '_FusedConv2D':
      case 'Conv2D': {
        checkNhwc(node);
        const x = valueOf(node, 0);
        const w = hwioToOihw(weightOf(node, 1));
        const fused = (node.attr?.fused_ops?.list?.s ?? []).map(decode);
        const [bias, activation] = fused;
        if ((fused.length > 0 && bias !== 'BiasAdd') || fused.length > 2 || (activation && !(activation in ACTIVATIONS))) {
          throw new Error(`${out}: fused ops ${fused.join('+')} are not supported`);
        }
        const inputs = [x.onnx, addFloat(fresh('w'), w)];
        if (bias) inputs.push(addFloat(fresh('b'), weightOf(node, 2)));
        const conv = emit('Conv', inputs, [attr('kernel_shape', [w.shape[2], w.shape[3]]), attr('strides', spatial(node.attr?.strides)), attr('dilations', spatial(node.attr?.dilations)), ...padAttrs(node)], activation ? undefined : out);
        const y = activation ? activate(activation as keyof typeof ACTIVATIONS, conv, () => valueOf(node, 3).onnx, out) : conv;
        values.set(out, { onnx: y, nchw: true });
        break;
      }
      case 'DepthwiseConv2dNative': {
        checkNhwc(node);
        const x = valueOf(node, 0);
        const raw = weightOf(node, 1);
        const w = depthwiseToOihw(raw);
        const y = emit('Conv', [x.onnx, addFloat(fresh('dw'), w)], [attr('kernel_shape', [w.shape[2], w.shape[3]]), attr('strides', spatial(node.attr?.strides)), attr('dilations', spatial(node.attr?.dilations)), attr('group', raw.shape[2]), ...padAttrs(node)], out);
        values.set(out, { onnx: y, nchw: true });
        break;
      }
      case 'AddV2':
      case 'Add': {
        const a = valueOf(node, 0);
        const b = valueOf(node, 1);
        const produced = (k: number) => values.has((node.input![k] ?? '').split(':')[0]);
        if (a.nchw !== b.nchw && produced(0) && produced(1)) throw new Error(`${out}: Add of tensors in different layouts is not supported`);
        values.set(out, { onnx: emit('Add', [a.onnx, b.onnx], [], out), nchw: a.nchw || b.nchw });
        break;
      }
      case 'Relu':
      case 'Relu6':
      case 'Prelu':
      case 'Sigmoid':
      case 'Identity': {
        const x = valueOf(node, 0);
        const y = node.op in ACTIVATIONS ? activate(node.op as keyof typeof ACTIVATIONS, x.onnx, () => valueOf(node, 1).onnx, out) : emit(node.op, [x.onnx], [], out);
        values.set(out, { onnx: y, nchw: x.nchw });
        break;
      }
      case 'MaxPool': {
        checkNhwc(node);
        const x = valueOf(node, 0);
        const y = emit('MaxPool', [x.onnx], [attr('kernel_shape', spatial(node.attr?.ksize)), attr('strides', spatial(node.attr?.strides)), ...padAttrs(node)], out);
        values.set(out, { onnx: y, nchw: true });
        break;
      }
      case 'Pad': {
        const x = valueOf(node, 0);
        const p = Array.from(weightOf(node, 1).data); // [[n0,n1],[h0,h1],[w0,w1],[c0,c1]] for NHWC
        if (!x.nchw || p.length !== 8) throw new Error(`${out}: Pad is only supported on rank-4 tensors`);
        const pads = addInt64([p[0], p[6], p[2], p[4], p[1], p[7], p[3], p[5]]);
        values.set(out, { onnx: emit('Pad', [x.onnx, pads], [attr('mode', 'constant')], out), nchw: true });
        break;
      }
      case 'Reshape': {
        const x = valueOf(node, 0);
        const shape = Array.from(weightOf(node, 1).data);
        if (options.dynamicBatch && shape[0] === 1) shape[0] = -1;
        values.set(out, { onnx: emit('Reshape', [toNhwc(x), addInt64(shape)], [], out), nchw: false });
        break;
      }
      default:
        throw new Error(`${out}: TF op ${node.op} is not supported by the ONNX converter`);
    }
  }
  if (!input) throw new Error('the model has no input (Placeholder)');

  // Graph outputs: produced values no node consumes, in TF NHWC layout, named after the TF node.
  const outputs: string[] = [];
  for (const node of json.modelTopology.node) {
    if (node.op === 'Const' || node.op === 'Placeholder' || consumed.has(node.name)) continue;
    const v = values.get(node.name)!;
    if (v.nchw) {
      // Rename the NCHW value and transpose back under the TF name.
      const inner = fresh('nchw');
      for (const n of nodes) n.output = n.output!.map((o) => (o === v.onnx ? inner : o));
      for (const n of nodes) n.input = n.input!.map((i) => (i === v.onnx ? inner : i));
      emit('Transpose', [inner], [attr('perm', [0, 2, 3, 1])], node.name);
    }
    outputs.push(node.name);
  }

  const valueInfo = (name: string, dims: number[] | null): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        ...(dims ? { shape: { dim: dims.map((d) => (d < 0 ? { dimParam: 'N' } : { dimValue: d })) } } : {}),
      },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'dubbing-editor tfjs-graph-to-onnx',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'converted',
      input: [valueInfo(input.name, input.shape)],
      output: outputs.map((o) => valueInfo(o, null)),
      initializer: inits,
      node: nodes,
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), input, outputs };
}
