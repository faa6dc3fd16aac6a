import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * A temp path in the same folder as `target` (so a later `rename` is atomic: same filesystem),
 * hidden and unique: `<dir>/.<base>.tmp-<pid>-<rand><ext>`. `ext` defaults to the extension of
 * `target` so tools that pick a format from the extension (ffmpeg) still see e.g. `.mp4`.
 * Nothing is created on disk.
 */
export function tempPathNextTo(target: string, ext: string = path.extname(target)): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const rand = randomBytes(4).toString('hex');
  return path.join(dir, `.${base}.tmp-${process.pid}-${rand}${ext}`);
}

/** Deletes `file` if it exists; never throws (used in cleanup paths). */
export async function removeQuietly(file: string): Promise<void> {
  try {
    await fsp.rm(file, { force: true });
  } catch {
    // Cleanup is best effort: a file we cannot remove must not hide the original error.
  }
}

/** fsyncs a file or folder by path. Folder fsync is best effort (not supported on Windows). */
async function fsyncPath(p: string, isDir: boolean): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(p, 'r');
    await fh.sync();
  } catch (err) {
    if (!isDir) throw err;
  } finally {
    await fh?.close();
  }
}

/**
 * Moves a finished temp file over `target` atomically: fsyncs `tmp`, renames it to `target`
 * (replacing any existing file), then fsyncs the folder (best effort). Readers see either the
 * old file or the complete new one, never a partial file. On failure `tmp` is deleted and the
 * error is rethrown (an `fs` error with `code`, e.g. `EACCES`, `EXDEV` if not on the same volume).
 */
export async function commitTempFile(tmp: string, target: string): Promise<void> {
  try {
    await fsyncPath(tmp, false);
    await fsp.rename(tmp, target);
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  }
  await fsyncPath(path.dirname(target), true);
}

/**
 * Writes `data` (UTF-8 for strings) to `target` atomically: writes a temp file next to it,
 * fsyncs, renames over `target`. On any failure the temp file is removed and `target` is left
 * untouched; the `fs` error is rethrown.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathNextTo(target, '');
  try {
    await fsp.writeFile(tmp, data);
  } catch (err) {
    await removeQuietly(tmp);
    throw err;
  }
  await commitTempFile(tmp, target);
}
