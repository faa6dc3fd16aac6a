import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers/media';

/** Fresh work folder for each run (the bridge's cache and autosaves, generated media, exports). */
export default function globalSetup(): void {
  const dir = path.join(repoRoot, 'test-results', 'e2e');
  for (const sub of ['cache', 'state', 'exports', 'projects', 'bad']) rmSync(path.join(dir, sub), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  mkdirSync(path.join(repoRoot, 'test-results', 'ui-screenshots'), { recursive: true });
}
