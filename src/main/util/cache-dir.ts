import os from 'node:os';
import path from 'node:path';

/** Default cache folder: `$DUBBING_CACHE_DIR`, else `~/.cache/dubbing-editor` (tracks, phonetics, renders, grain). */
export function defaultCacheDir(): string {
  return process.env.DUBBING_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'dubbing-editor');
}
