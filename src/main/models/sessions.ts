/**
 * Loading a pack's graphs into ONNX Runtime sessions, checked against the manifest and cached
 * per pack + graph + provider order (creating a UNet session takes seconds; segments reuse it).
 */
import type * as ort from 'onnxruntime-node';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { GraphSpec, PackManifest } from './manifest';
import { checkGraphIo, type ActualTensor } from './io-check';
import { createSessionWithFallback, PROVIDER_LABEL, type ProviderName } from './providers';
import { readPackManifest, verifyPackFiles, type LoadedPack, type VerifyMode } from './pack';

/** A graph session with its manifest spec and the provider that runs it. */
export interface GraphSession {
  role: string;
  spec: GraphSpec;
  session: ort.InferenceSession;
  provider: ProviderName;
  /** Human-readable provider line, e.g. "denoiser: CPU (CUDA unavailable: ...)". */
  providerNote: string;
}

function actual(meta: readonly ort.InferenceSession.ValueMetadata[]): ActualTensor[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, shape: [] }));
}

/**
 * Creates a session for one graph of a pack and checks its real I/O against the manifest.
 * @throws UserError `E_PACK_IO` on an I/O mismatch, `E_PACK_GRAPH` when the file cannot be
 *   parsed, `E_PROVIDER` when no provider works.
 */
export async function openGraph(pack: LoadedPack, role: string, spec: GraphSpec, providers: readonly ProviderName[], log?: (m: string) => void): Promise<GraphSession> {
  const file = path.join(pack.dir, spec.file);
  const label = `Model pack ${pack.manifest.id}: graph "${role}" (${spec.file})`;
  const { session, provider, failed } = await createSessionWithFallback(file, providers, label, { log });
  try {
    checkGraphIo(role, spec, actual(session.inputMetadata), actual(session.outputMetadata), pack.dir);
  } catch (err) {
    await session.release();
    throw err;
  }
  const note = failed.length
    ? `${role}: ${PROVIDER_LABEL[provider]} (${failed.map((f) => PROVIDER_LABEL[f.provider]).join(', ')} unavailable)`
    : `${role}: ${PROVIDER_LABEL[provider]}`;
  return { role, spec, session, provider, providerNote: note };
}

/** All sessions of one pack. */
export interface OpenPack {
  pack: LoadedPack;
  manifest: PackManifest;
  graphs: Record<string, GraphSession>;
  /** One line per graph naming the provider used, for the UI. */
  providerNotes: string[];
}

const cache = new Map<string, Promise<OpenPack>>();

/**
 * Reads, verifies and opens every graph of the pack at `dir`, cached per folder + provider order
 * (a failed open is not cached). The manifest file's mtime is part of the key, so an edited or
 * reinstalled pack is reopened.
 * @throws UserError `E_PACK_*`, `E_PROVIDER`.
 */
export async function openPack(dir: string, providers: readonly ProviderName[], opts: { verify?: VerifyMode; log?: (m: string) => void } = {}): Promise<OpenPack> {
  const pack = await readPackManifest(dir);
  const { mtimeMs } = await fsp.stat(path.join(pack.dir, 'manifest.json'));
  return openLoadedPack(pack, `${pack.dir}|${mtimeMs}`, providers, opts);
}

/**
 * Opens the graphs of an already-read pack (e.g. a manifest generated for a bare `.onnx`),
 * cached under `key` + provider order.
 */
export async function openLoadedPack(pack: LoadedPack, key: string, providers: readonly ProviderName[], opts: { verify?: VerifyMode; log?: (m: string) => void } = {}): Promise<OpenPack> {
  const fullKey = `${key}|${providers.join(',')}`;
  const hit = cache.get(fullKey);
  if (hit) return hit;
  const p = (async () => {
    await verifyPackFiles(pack, opts.verify ?? 'cached');
    const graphs: Record<string, GraphSession> = {};
    try {
      for (const [role, spec] of Object.entries(pack.manifest.graphs) as [string, GraphSpec | undefined][]) {
        if (spec) graphs[role] = await openGraph(pack, role, spec, providers, opts.log);
      }
    } catch (err) {
      await Promise.all(Object.values(graphs).map((g) => g.session.release()));
      throw err;
    }
    const providerNotes = Object.values(graphs).map((g) => g.providerNote);
    return { pack, manifest: pack.manifest, graphs, providerNotes };
  })();
  cache.set(fullKey, p);
  p.catch(() => cache.delete(fullKey));
  return p;
}

/** Releases every cached session (app shutdown, pack removal, tests). */
export async function closeAllPacks(dirPrefix?: string): Promise<void> {
  const entries = [...cache.entries()].filter(([k]) => !dirPrefix || k.startsWith(path.resolve(dirPrefix)));
  for (const [k] of entries) cache.delete(k);
  for (const [, p] of entries) {
    const open = await p.catch(() => null);
    if (open) await Promise.all(Object.values(open.graphs).map((g) => g.session.release()));
  }
}
