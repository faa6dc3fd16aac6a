import path from 'node:path';
import { promises as fsp } from 'node:fs';

/** Temp files of renders older than this are leftovers of killed workers (milliseconds). */
export const STALE_TEMP_MS = 6 * 3600 * 1000;

/**
 * Removes leftover render temp files (`.<key>.mkv.tmp-<pid>-<rand>.mkv`, written by a worker
 * killed mid-render) older than `maxAgeMs` from `<cacheDir>/renders`. Final render files are
 * never touched. Best effort: errors are ignored.
 * @returns how many files were removed.
 */
export async function sweepStaleTemps(cacheDir: string, log: (m: string) => void = () => {}, maxAgeMs = STALE_TEMP_MS): Promise<number> {
  const dir = path.join(cacheDir, 'renders');
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return 0;
  }
  let n = 0;
  const now = Date.now();
  for (const name of names) {
    if (!/^\..+\.tmp-\d+-[0-9a-f]+/.test(name)) continue;
    const f = path.join(dir, name);
    try {
      const st = await fsp.stat(f);
      if (now - st.mtimeMs < maxAgeMs) continue;
      await fsp.rm(f, { force: true });
      n++;
    } catch {
      // Another worker removed it, or it is not ours to remove.
    }
  }
  if (n) log(`removed ${n} stale render temp file(s) from ${dir}`);
  return n;
}
