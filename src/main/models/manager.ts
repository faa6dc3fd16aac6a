/**
 * Model manager: installs packs from the catalogue (resumable, verified, atomic), imports local
 * pack folders or a single Wav2Lip `.onnx`, lists and removes installed packs.
 *
 * Layout of the models root:
 *   <root>/<pack id>/manifest.json ...   installed packs (only ever complete and verified)
 *   <root>/.downloads/<sha256>[.part]    download cache, resumable, keyed by expected hash
 *   <root>/.staging/<id>-<rand>/         a pack being assembled; renamed into place when complete
 *   <root>/.trash/                       replaced / removed packs, deleted right after
 *   <root>/catalogue.json                user catalogue entries (optional)
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_CATALOGUE, isOnnxEntry, mergeCatalogues, readCatalogueFile, type CatalogueEntry } from './catalogue';
import { downloadVerified, type DownloadProgress } from './download';
import { MANIFEST_FILE, readPackManifest, verifyPackFiles } from './pack';
import type { PackFamily, PackManifest } from './manifest';
import { wav2lipManifestForOnnx } from './wav2lip-onnx';
import { closeAllPacks } from './sessions';
import { throwIfAborted, UserError } from '../util/errors';

/** Default models root: `$DUB_MODELS_DIR`, else `~/.cache/dubbing-editor/models`. */
export function defaultModelsRoot(): string {
  return process.env.DUB_MODELS_DIR ?? path.join(os.homedir(), '.cache', 'dubbing-editor', 'models');
}

export interface InstalledPack {
  id: string;
  name: string;
  family: PackFamily;
  licence: PackManifest['licence'];
  dir: string;
  /** Sum of the manifest's file sizes. */
  bytes: number;
}

export interface InstallProgress extends DownloadProgress {
  packId: string;
  /** File being fetched (`manifest.json`, `unet.onnx`...). */
  file: string;
  /** 1-based index of that file and number of files (known once the manifest is in). */
  fileIndex: number;
  fileCount: number;
}

export interface ModelManagerOptions {
  root?: string;
  /** Extra catalogue entries (tests, studio deployments); override built-ins and catalogue.json. */
  catalogue?: readonly CatalogueEntry[];
  fetchImpl?: typeof fetch;
}

function rand(): string {
  return randomBytes(4).toString('hex');
}

export class ModelManager {
  readonly root: string;
  private readonly extra: readonly CatalogueEntry[];
  private readonly fetchImpl?: typeof fetch;
  private readonly busy = new Set<string>();

  constructor(opts: ModelManagerOptions = {}) {
    this.root = path.resolve(opts.root ?? defaultModelsRoot());
    this.extra = opts.catalogue ?? [];
    this.fetchImpl = opts.fetchImpl;
  }

  /** Built-in + `<root>/catalogue.json` + constructor entries (later ones win on equal id). */
  async catalogue(): Promise<CatalogueEntry[]> {
    return mergeCatalogues(BUILTIN_CATALOGUE, await readCatalogueFile(path.join(this.root, 'catalogue.json')), this.extra);
  }

  /** Installed packs (folders with a valid manifest), sorted by id. Invalid folders are skipped. */
  async list(): Promise<InstalledPack[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.root);
    } catch {
      return [];
    }
    const out: InstalledPack[] = [];
    for (const n of names.sort()) {
      if (n.startsWith('.')) continue;
      const dir = path.join(this.root, n);
      try {
        const { manifest: m } = await readPackManifest(dir);
        out.push({ id: m.id, name: m.name, family: m.family, licence: m.licence, dir, bytes: m.files.reduce((s, f) => s + f.size, 0) });
      } catch {
        // Not a pack (or broken): not listed.
      }
    }
    return out;
  }

  /**
   * Resolves `--pack`: an existing folder or `.onnx` path as is, else an installed pack id.
   * @throws UserError `E_PACK_NOT_FOUND`.
   */
  async resolve(idOrPath: string): Promise<string> {
    try {
      await fsp.stat(idOrPath);
      return path.resolve(idOrPath);
    } catch {
      const dir = path.join(this.root, idOrPath);
      try {
        await fsp.stat(path.join(dir, MANIFEST_FILE));
        return dir;
      } catch {
        throw new UserError('E_PACK_NOT_FOUND', `No model pack "${idOrPath}": not a path and not installed in ${this.root}.`, 'Install it with the model manager or pass a pack folder.');
      }
    }
  }

  /**
   * Downloads and installs a catalogue pack. Every file is verified before the pack folder
   * appears; an interrupted install resumes on the next call.
   * @throws UserError `E_CATALOGUE` (unknown id), `E_DOWNLOAD`, `E_DOWNLOAD_HASH`, `E_PACK_*`;
   *   CancelledError.
   */
  async install(id: string, opts: { signal?: AbortSignal; onProgress?: (p: InstallProgress) => void } = {}): Promise<InstalledPack> {
    const entry = (await this.catalogue()).find((e) => e.id === id);
    if (!entry) throw new UserError('E_CATALOGUE', `No pack "${id}" in the catalogue.`, 'List the catalogue to see the known packs.');
    return this.exclusive(id, async () => {
      const staging = await this.makeStaging(id);
      try {
        const dl = (url: string, sha256: string, size: number, file: string, fileIndex: number, fileCount: number) =>
          this.fetchToCache(url, sha256, size, opts.signal, (p) => opts.onProgress?.({ ...p, packId: id, file, fileIndex, fileCount }));
        if (isOnnxEntry(entry)) {
          const base = path.basename(new URL(entry.url).pathname);
          const cached = await dl(entry.url, entry.sha256, entry.size, base, 1, 1);
          await fsp.rename(cached, path.join(staging, base));
          const manifest = await wav2lipManifestForOnnx(path.join(staging, base), id);
          manifest.licence = entry.licence;
          manifest.name = entry.name;
          await fsp.writeFile(path.join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
        } else {
          const cachedManifest = await dl(entry.url, entry.sha256, entry.size, MANIFEST_FILE, 0, 0);
          await fsp.rename(cachedManifest, path.join(staging, MANIFEST_FILE));
          const { manifest } = await readPackManifest(staging);
          if (manifest.id !== id || manifest.family !== entry.family) {
            throw new UserError('E_CATALOGUE', `Catalogue entry "${id}" (${entry.family}) serves a manifest for "${manifest.id}" (${manifest.family}).`, 'The catalogue entry is wrong.');
          }
          for (const [i, f] of manifest.files.entries()) {
            throwIfAborted(opts.signal);
            const cached = await dl(new URL(f.path, entry.url).toString(), f.sha256, f.size, f.path, i + 1, manifest.files.length);
            await fsp.mkdir(path.dirname(path.join(staging, f.path)), { recursive: true });
            await fsp.rename(cached, path.join(staging, f.path));
          }
        }
        return await this.commit(staging, id);
      } catch (err) {
        await this.moveBackToCache(staging);
        throw err;
      }
    });
  }

  /**
   * Installs a copy of a local pack folder (verified first: sizes and SHA-256 of every file).
   * @throws UserError `E_PACK_*`, `E_PACK_EXISTS` unless `overwrite`.
   */
  async importFolder(src: string, opts: { overwrite?: boolean } = {}): Promise<InstalledPack> {
    const pack = await readPackManifest(src);
    await verifyPackFiles(pack, 'full');
    const id = pack.manifest.id;
    return this.exclusive(id, async () => {
      await this.refuseExisting(id, opts.overwrite);
      const staging = await this.makeStaging(id);
      try {
        for (const f of pack.manifest.files) {
          await fsp.mkdir(path.dirname(path.join(staging, f.path)), { recursive: true });
          await fsp.copyFile(path.join(pack.dir, f.path), path.join(staging, f.path));
        }
        await fsp.copyFile(path.join(pack.dir, MANIFEST_FILE), path.join(staging, MANIFEST_FILE));
        await verifyPackFiles(await readPackManifest(staging), 'full');
        return await this.commit(staging, id);
      } catch (err) {
        await fsp.rm(staging, { recursive: true, force: true });
        throw err;
      }
    });
  }

  /**
   * Installs a single Wav2Lip-compatible `.onnx` as a one-file pack (manifest generated from the
   * graph's inputs/outputs).
   * @throws UserError `E_PACK_GRAPH` / `E_PACK_IO` when it is not a Wav2Lip-compatible model.
   */
  async importOnnx(file: string, opts: { id?: string; overwrite?: boolean } = {}): Promise<InstalledPack> {
    const probe = await wav2lipManifestForOnnx(file, opts.id);
    const id = probe.id;
    return this.exclusive(id, async () => {
      await this.refuseExisting(id, opts.overwrite);
      const staging = await this.makeStaging(id);
      try {
        const base = probe.files[0].path;
        await fsp.copyFile(file, path.join(staging, base));
        const manifest = await wav2lipManifestForOnnx(path.join(staging, base), id);
        await fsp.writeFile(path.join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
        return await this.commit(staging, id);
      } catch (err) {
        await fsp.rm(staging, { recursive: true, force: true });
        throw err;
      }
    });
  }

  /** Removes an installed pack (its cached sessions are released first). No-op when absent. */
  async remove(id: string): Promise<void> {
    await this.exclusive(id, async () => {
      const dir = path.join(this.root, id);
      await closeAllPacks(dir);
      const trash = path.join(this.root, '.trash', `${id}-${rand()}`);
      await fsp.mkdir(path.dirname(trash), { recursive: true });
      try {
        await fsp.rename(dir, trash);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      await fsp.rm(trash, { recursive: true, force: true });
    });
  }

  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) throw new UserError('E_PACK_BUSY', `Pack "${id}" is already being installed or removed.`, 'Wait for it to finish.');
    this.busy.add(id);
    try {
      return await fn();
    } finally {
      this.busy.delete(id);
    }
  }

  private async refuseExisting(id: string, overwrite?: boolean): Promise<void> {
    if (overwrite) return;
    try {
      await fsp.stat(path.join(this.root, id));
    } catch {
      return;
    }
    throw new UserError('E_PACK_EXISTS', `A pack "${id}" is already installed in ${this.root}.`, 'Remove it first or import with overwrite.');
  }

  private async makeStaging(id: string): Promise<string> {
    const dir = path.join(this.root, '.staging', `${id}-${rand()}`);
    await fsp.mkdir(dir, { recursive: true });
    return dir;
  }

  /** Downloads into the hash-keyed cache (resumable) and returns the verified file's path. */
  private async fetchToCache(url: string, sha256: string, size: number, signal: AbortSignal | undefined, onProgress: (p: DownloadProgress) => void): Promise<string> {
    const dest = path.join(this.root, '.downloads', sha256);
    await downloadVerified(url, dest, { sha256, size, signal, onProgress, fetchImpl: this.fetchImpl });
    return dest;
  }

  /** On a failed install, verified files go back to the download cache so a retry skips them. */
  private async moveBackToCache(staging: string): Promise<void> {
    try {
      const { manifest } = await readPackManifest(staging).catch(() => ({ manifest: null }));
      if (manifest) {
        for (const f of manifest.files) {
          await fsp.rename(path.join(staging, f.path), path.join(this.root, '.downloads', f.sha256)).catch(() => undefined);
        }
      }
    } finally {
      await fsp.rm(staging, { recursive: true, force: true });
    }
  }

  /** Swaps a complete staging folder into `<root>/<id>` (rename; the old pack goes to trash). */
  private async commit(staging: string, id: string): Promise<InstalledPack> {
    const { manifest } = await readPackManifest(staging);
    const target = path.join(this.root, id);
    const trash = path.join(this.root, '.trash', `${id}-${rand()}`);
    await fsp.mkdir(path.dirname(trash), { recursive: true });
    let replaced = false;
    try {
      await fsp.rename(target, trash);
      replaced = true;
      await closeAllPacks(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await fsp.rename(staging, target);
    if (replaced) await fsp.rm(trash, { recursive: true, force: true });
    return { id, name: manifest.name, family: manifest.family, licence: manifest.licence, dir: target, bytes: manifest.files.reduce((s, f) => s + f.size, 0) };
  }
}
