/**
 * ONNX Runtime execution providers: configurable order, fallback with a clear message, and the
 * provider actually used reported back.
 *
 * onnxruntime-node 1.30 ships CPU (all platforms), DirectML (Windows), CoreML (macOS) and WebGPU
 * in its npm package; the CUDA EP (Linux x64, CUDA 12) is a separate download done by the package's
 * install script, skipped in this repository (`.npmrc`: onnxruntime-node-install=skip). Opt in
 * with `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12` (or
 * `ONNXRUNTIME_NODE_INSTALL=cuda12`), which needs CUDA 12 + cuDNN 9 on the machine.
 */
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../util/errors';

/** Provider names as ORT spells them. */
export type ProviderName = 'cuda' | 'tensorrt' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

const ALIASES: Record<string, ProviderName> = {
  cuda: 'cuda',
  gpu: 'cuda',
  tensorrt: 'tensorrt',
  trt: 'tensorrt',
  dml: 'dml',
  directml: 'dml',
  coreml: 'coreml',
  webgpu: 'webgpu',
  cpu: 'cpu',
};

/** User-facing provider names. */
export const PROVIDER_LABEL: Record<ProviderName, string> = {
  cuda: 'CUDA',
  tensorrt: 'TensorRT',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
  cpu: 'CPU',
};

/** Default order per platform: the GPU provider that platform ships with first, then CPU. */
export function defaultProviderOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  if (platform === 'win32') return ['cuda', 'dml', 'cpu'];
  if (platform === 'darwin') return ['coreml', 'cpu'];
  return ['cuda', 'cpu'];
}

/**
 * Normalizes a user's provider list (`["CUDA", "directml", "cpu"]`, or a comma-separated string
 * from `--providers` / `DUB_EXECUTION_PROVIDERS`), dropping duplicates. CPU is not appended: a
 * list without `cpu` means "fail rather than run slowly".
 * @throws UserError `E_PROVIDER` for an unknown name, listing the known ones.
 */
export function resolveProviderOrder(requested?: readonly string[] | string): ProviderName[] {
  const env = process.env.DUB_EXECUTION_PROVIDERS;
  const src = requested ?? (env ? env : undefined);
  if (src === undefined) return defaultProviderOrder();
  const list = typeof src === 'string' ? src.split(',') : [...src];
  const out: ProviderName[] = [];
  for (const raw of list) {
    const key = raw.trim().toLowerCase();
    if (!key) continue;
    const p = ALIASES[key];
    if (!p) throw new UserError('E_PROVIDER', `Unknown execution provider "${raw}".`, `Use some of: cuda, tensorrt, directml, coreml, webgpu, cpu.`);
    if (!out.includes(p)) out.push(p);
  }
  if (!out.length) throw new UserError('E_PROVIDER', 'The execution provider list is empty.', 'Pass e.g. --providers cuda,cpu.');
  return out;
}

/**
 * Why a provider cannot work here, found without asking ORT (which would also print a native
 * error to stderr): not compiled into this build, or a separately installed EP library missing.
 * Returns null when it is worth trying.
 */
export function providerUnavailableReason(p: ProviderName): string | null {
  if (p === 'cpu') return null;
  let backends: { name: string; bundled: boolean }[];
  try {
    backends = ort.listSupportedBackends();
  } catch {
    return null;
  }
  const b = backends.find((x) => x.name === p);
  if (!b) return `${p} backend not found`;
  if (b.bundled) return null;
  try {
    const req = createRequire(import.meta.url);
    const bin = path.join(path.dirname(req.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? `onnxruntime_providers_${p}.dll` : `libonnxruntime_providers_${p}.so`;
    if (!existsSync(path.join(bin, lib))) return `Failed to load shared library ${lib} (libonnxruntime_providers_shared missing)`;
  } catch {
    return null;
  }
  return null;
}

/** One failed provider attempt. */
export interface ProviderAttempt {
  provider: ProviderName;
  error: string;
}

export interface SessionWithProvider {
  session: ort.InferenceSession;
  /** The provider the session was created with (ORT may still place unsupported nodes on CPU). */
  provider: ProviderName;
  /** Providers tried before it and why they failed. */
  failed: ProviderAttempt[];
}

/** Explains a provider failure in one line with what to do. */
export function providerHint(p: ProviderName, error: string): string {
  if (p === 'cuda' || p === 'tensorrt') {
    if (/providers_shared|Failed to load shared library|libonnxruntime_providers/.test(error))
      return `${PROVIDER_LABEL[p]} execution provider binaries are not installed (run: npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12; needs CUDA 12 and cuDNN 9)`;
    if (/libcudart|libcublas|libcudnn|CUDA driver|cudaError/i.test(error)) return `${PROVIDER_LABEL[p]} runtime libraries are missing or the driver is too old (CUDA 12 + cuDNN 9 needed)`;
  }
  if (/backend not found/.test(error)) return `${PROVIDER_LABEL[p]} is not available in this build of ONNX Runtime on ${process.platform}`;
  return `${PROVIDER_LABEL[p]} failed: ${error.split('\n')[0]}`;
}

/**
 * Creates a session with the first provider in `order` that works; each failure is recorded
 * and reported through `log` ("CUDA unavailable (...); falling back to CPU").
 * @param model Path of an .onnx file or its bytes.
 * @param graphLabel For messages, e.g. `denoiser (unet.onnx)`.
 * @throws UserError `E_PROVIDER` when no provider in `order` works, listing every reason; or the
 *   ORT load error of the last provider when the model itself is invalid (same error on CPU).
 */
export async function createSessionWithFallback(
  model: string | Uint8Array,
  order: readonly ProviderName[],
  graphLabel: string,
  options: { log?: (m: string) => void; sessionOptions?: ort.InferenceSession.SessionOptions } = {},
): Promise<SessionWithProvider> {
  const failed: ProviderAttempt[] = [];
  for (const provider of order) {
    const unavailable = providerUnavailableReason(provider);
    if (unavailable) {
      failed.push({ provider, error: unavailable });
      continue;
    }
    const opts: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      // ORT's intra-op threads otherwise spin after every run, halving the speed of the JS
      // pre/post-processing that follows each run and of everything else on the machine.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      ...options.sessionOptions,
      executionProviders: [provider],
    };
    try {
      const session =
        typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
      if (failed.length) {
        options.log?.(
          `${graphLabel}: ${failed.map((f) => providerHint(f.provider, f.error)).join('; ')}; falling back to ${PROVIDER_LABEL[provider]}.`,
        );
      }
      return { session, provider, failed };
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      // The model itself is broken: every provider would fail the same way.
      if (isModelError(msg)) throw new ModelLoadError(graphLabel, msg);
      failed.push({ provider, error: msg });
    }
  }
  throw new UserError(
    'E_PROVIDER',
    `${graphLabel}: no execution provider could run it:\n  ${failed.map((f) => providerHint(f.provider, f.error)).join('\n  ')}`,
    'Add cpu to the provider list (--providers cuda,cpu) or install the missing provider.',
  );
}

/** ORT errors that mean the file is not a valid model, whatever the provider. */
function isModelError(msg: string): boolean {
  return /INVALID_PROTOBUF|Protobuf parsing failed|INVALID_GRAPH|Load model .* failed|ModelProto does not have a graph|This is an invalid model/i.test(msg);
}

/** The graph file cannot be parsed or is not a valid ONNX model. */
export class ModelLoadError extends UserError {
  constructor(graphLabel: string, ortMessage: string) {
    super('E_PACK_GRAPH', `${graphLabel}: ONNX Runtime cannot load it (${ortMessage.split('\n')[0]}).`, 'The file is corrupt or not an ONNX model; reinstall the pack.');
  }
}
