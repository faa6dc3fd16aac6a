/**
 * Reading a pack folder: manifest, file presence, sizes and SHA-256.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { parseManifest, type PackManifest } from './manifest';
import { sha256File } from '../util/file-hash';
import { UserError } from '../util/errors';

export const MANIFEST_FILE = 'manifest.json';
/** Per-pack record of files already hashed (size + mtime + sha256), so loads do not rehash GBs. */
const VERIFIED_FILE = '.verified.json';

/** How much of each file `verifyPackFiles` checks. */
export type VerifyMode = 'full' | 'cached' | 'size';

export interface LoadedPack {
  /** Absolute folder of the pack. */
  dir: string;
  manifest: PackManifest;
}

/**
 * Reads and validates `<dir>/manifest.json`.
 * @throws UserError `E_PACK_NOT_FOUND` (no folder / no manifest), `E_PACK_MANIFEST` (invalid JSON
 *   or schema), `E_PACK_VERSION` (newer format).
 */
export async function readPackManifest(dir: string): Promise<LoadedPack> {
  const abs = path.resolve(dir);
  let text: string;
  try {
    text = await fsp.readFile(path.join(abs, MANIFEST_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      'E_PACK_NOT_FOUND',
      code === 'ENOENT' ? `No model pack at ${abs} (${MANIFEST_FILE} not found).` : `Cannot read ${path.join(abs, MANIFEST_FILE)}: ${(err as Error).message}`,
      'Pass --pack with a folder that holds manifest.json, or install the pack with the model manager.',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError('E_PACK_MANIFEST', `Model pack ${abs}: manifest.json is not valid JSON (${(err as Error).message}).`, 'Reinstall the pack.');
  }
  return { dir: abs, manifest: parseManifest(raw, abs) };
}

interface VerifiedRecord {
  size: number;
  mtimeMs: number;
  sha256: string;
}

async function readVerified(dir: string): Promise<Record<string, VerifiedRecord>> {
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, VERIFIED_FILE), 'utf8')) as Record<string, VerifiedRecord>;
  } catch {
    return {};
  }
}

/**
 * Checks that every file of the manifest exists with the declared size and SHA-256.
 * `cached` (default) rehashes only files whose size or mtime changed since the last successful
 * check (recorded in `.verified.json`; best effort if the folder is read-only); `size` checks
 * sizes only; `full` hashes everything.
 * @throws UserError `E_PACK_FILE` naming the file, expected and actual size or hash.
 */
export async function verifyPackFiles(pack: LoadedPack, mode: VerifyMode = 'cached'): Promise<void> {
  const verified = mode === 'cached' ? await readVerified(pack.dir) : {};
  let changed = false;
  for (const f of pack.manifest.files) {
    const file = path.join(pack.dir, f.path);
    let st;
    try {
      st = await fsp.stat(file);
    } catch {
      throw new UserError('E_PACK_FILE', `Model pack ${pack.dir}: file ${f.path} is missing.`, 'Reinstall the pack (the model manager resumes the download).');
    }
    if (st.size !== f.size) {
      throw new UserError(
        'E_PACK_FILE',
        `Model pack ${pack.dir}: file ${f.path} has ${st.size} bytes, the manifest says ${f.size} (incomplete or corrupt).`,
        'Reinstall the pack.',
      );
    }
    if (mode === 'size') continue;
    const rec = verified[f.path];
    if (mode === 'cached' && rec && rec.size === st.size && rec.mtimeMs === st.mtimeMs && rec.sha256 === f.sha256) continue;
    const actual = await sha256File(file);
    if (actual !== f.sha256) {
      throw new UserError(
        'E_PACK_FILE',
        `Model pack ${pack.dir}: file ${f.path} is corrupt (SHA-256 ${actual}, expected ${f.sha256}).`,
        'Reinstall the pack.',
      );
    }
    verified[f.path] = { size: st.size, mtimeMs: st.mtimeMs, sha256: actual };
    changed = true;
  }
  if (mode === 'cached' && changed) {
    await fsp.writeFile(path.join(pack.dir, VERIFIED_FILE), JSON.stringify(verified)).catch(() => undefined);
  }
}
