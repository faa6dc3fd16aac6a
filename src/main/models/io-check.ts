/**
 * Checks a loaded graph's real inputs/outputs against the manifest (names, dtypes, shapes).
 */
import type { GraphSpec, TensorDtype, TensorSpec } from './manifest';
import { UserError } from '../util/errors';

/** Shape/type of one graph value as ONNX Runtime reports it (`session.inputMetadata`). */
export interface ActualTensor {
  name: string;
  /** ORT type name (`float32`, `float16`, `int64`, ...); undefined for non-tensor values. */
  type?: string;
  /** Dims: numbers for fixed sizes, strings for symbolic dims. */
  shape: ReadonlyArray<number | string>;
}

/** ORT type name of a manifest dtype. */
export const ORT_TYPE: Record<TensorDtype, string> = { fp32: 'float32', fp16: 'float16', int64: 'int64', int32: 'int32' };

/** Formats a shape like `[B, 4, 32, 32]`. */
export function formatShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(', ')}]`;
}

/**
 * True when a graph dim is compatible with the manifest dim: a fixed manifest dim accepts the same
 * fixed size or a symbolic graph dim (the graph accepts more); a symbolic manifest dim (the engine
 * will vary it) needs a symbolic graph dim.
 */
export function dimCompatible(expected: number | string, actual: number | string): boolean {
  if (typeof expected === 'number') return typeof actual === 'string' || actual === expected;
  return typeof actual === 'string';
}

/** Problems (one line each) of one tensor, or [] when it matches. */
function tensorProblems(graph: string, kind: 'input' | 'output', canonical: string, exp: TensorSpec, act: ActualTensor | undefined, names: string[]): string[] {
  const label = `graph "${graph}" ${kind} "${exp.name}" (${canonical})`;
  if (!act) return [`${label}: not found in the graph; its ${kind}s are ${names.map((n) => `"${n}"`).join(', ') || 'none'}`];
  const out: string[] = [];
  if (act.type !== undefined && act.type !== ORT_TYPE[exp.dtype]) out.push(`${label}: expected dtype ${ORT_TYPE[exp.dtype]}, actual ${act.type}`);
  const rankOk = act.shape.length === exp.shape.length;
  const dimsOk = rankOk && exp.shape.every((d, i) => dimCompatible(d, act.shape[i]));
  if (!dimsOk) out.push(`${label}: expected shape ${formatShape(exp.shape)}, actual ${formatShape(act.shape)}`);
  return out;
}

/**
 * Compares a graph's real I/O with its manifest spec.
 * @param graph Role name for messages (`denoiser`, `vaeEncoder`, ...).
 * @throws UserError `E_PACK_IO` naming the graph, tensor, expected and actual shape/dtype of every
 *   mismatch, and every required graph input the manifest does not map.
 */
export function checkGraphIo(graph: string, spec: GraphSpec, inputs: readonly ActualTensor[], outputs: readonly ActualTensor[], packWhere: string): void {
  const problems: string[] = [];
  const inNames = inputs.map((t) => t.name);
  const outNames = outputs.map((t) => t.name);
  for (const [canonical, exp] of Object.entries(spec.inputs))
    problems.push(...tensorProblems(graph, 'input', canonical, exp, inputs.find((t) => t.name === exp.name), inNames));
  for (const [canonical, exp] of Object.entries(spec.outputs))
    problems.push(...tensorProblems(graph, 'output', canonical, exp, outputs.find((t) => t.name === exp.name), outNames));
  const mapped = new Set(Object.values(spec.inputs).map((t) => t.name));
  for (const t of inputs)
    if (!mapped.has(t.name)) problems.push(`graph "${graph}" input "${t.name}" ${formatShape(t.shape)} is not mapped in the manifest, so the engine cannot feed it`);
  if (problems.length) {
    throw new UserError(
      'E_PACK_IO',
      `Model pack ${packWhere}: graph "${graph}" (${spec.file}) does not match its manifest:\n  ${problems.join('\n  ')}`,
      'The pack was exported with a different interface; fix manifest.json or use a matching pack.',
    );
  }
}
