import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/** The folder holding package.json, found by walking up from this file. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above test/helpers');
    dir = parent;
  }
  return dir;
}

/** The shared real-media folder: `<repoRoot>/../shared/media` (read-only, never committed). */
export function sharedMediaDir(): string {
  return path.resolve(repoRoot(), '../shared/media');
}

/** Absolute path of `name` in the shared media folder, or null when it is absent. */
export function sharedMedia(name: string): string | null {
  const p = path.resolve(sharedMediaDir(), name);
  return existsSync(p) ? p : null;
}

/**
 * `describe` when every file in `names` exists in the shared media folder; otherwise
 * `describe.skip`, printing which file is missing and where it was looked for.
 */
export function describeIfSharedMedia(title: string, names: string[], fn: () => void): void {
  const missing = names.filter((n) => sharedMedia(n) === null);
  if (missing.length === 0) {
    describe(title, fn);
    return;
  }
  console.log(`[skip] "${title}": shared media ${missing.join(', ')} not found in ${sharedMediaDir()}`);
  describe.skip(title, fn);
}
