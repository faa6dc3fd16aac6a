import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../services/backend';
import { processLauncher } from '../services/host/supervisor';
import { startBridge } from './server';
import { buildWebRenderer } from './web-build';

/**
 * `npm run serve`: the editor in a browser, against the real services, on loopback.
 *
 *   npm run serve -- [--port N] [--root DIR]... [--cache DIR] [--state DIR]
 *                    [--fake-pipeline] [--test-hooks] [--no-build] [--token T]
 *
 * Prints `Bridge ready: <url>`; open that URL (it carries the session token).
 * --root      folders the file browser may show and read/write (default: the current folder and
 *             the home folder; repeat for more)
 * --cache     render cache (default ~/.cache/dubbing-editor/editor)
 * --fake-pipeline  renders with the fast stand-in (UI development), not the real pipeline
 * --test-hooks     enables debug.crashHost (tests)
 */
function parseArgs(argv: string[]) {
  const out = { port: 0, roots: [] as string[], cache: '', state: '', fake: false, testHooks: false, build: true, forceBuild: false, token: '', origins: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') out.port = Number(next());
    else if (a === '--root') out.roots.push(path.resolve(next()));
    else if (a === '--cache') out.cache = path.resolve(next());
    else if (a === '--state') out.state = path.resolve(next());
    else if (a === '--fake-pipeline') out.fake = true;
    else if (a === '--test-hooks') out.testHooks = true;
    else if (a === '--no-build') out.build = false;
    else if (a === '--build') out.forceBuild = true;
    else if (a === '--token') out.token = next();
    else if (a === '--allow-origin') out.origins.push(next());
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run serve -- [--port N] [--root DIR]... [--cache DIR] [--state DIR] [--fake-pipeline] [--test-hooks] [--no-build]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const webRoot = path.join(repoRoot, 'out/web');
  if (args.build) {
    const r = await buildWebRenderer(repoRoot, webRoot, args.forceBuild);
    console.log(r === 'built' ? `Built the renderer into ${webRoot}` : 'Renderer build is up to date');
  }
  const cacheDir = args.cache || path.join(os.homedir(), '.cache', 'dubbing-editor', 'editor');
  const stateDir = args.state || path.join(cacheDir, 'state');
  const roots = args.roots.length ? args.roots : [process.cwd(), os.homedir()];
  const log = (line: string) => console.error(line);
  const backend = createBackend({
    mode: 'bridge',
    version: pkg.version,
    cacheDir,
    stateDir,
    browseRoots: roots,
    pipelineKind: args.fake ? 'fake' : 'real',
    launcher: (_name, config) => processLauncher(new URL('../services/host/host-entry.ts', import.meta.url), config),
    dialogs: null,
    testHooks: args.testHooks,
    log,
  });
  const token = args.token || randomBytes(16).toString('hex');
  const bridge = await startBridge({
    port: args.port,
    token,
    webRoot,
    dispatch: backend.dispatch,
    subscribe: backend.services.subscribe,
    access: backend.services.access,
    extraOrigins: args.origins,
    log,
  });
  console.log(`Pipeline: ${args.fake ? 'fake (UI development)' : 'real'}; cache: ${cacheDir}; roots: ${roots.join(', ')}`);
  console.log(`Bridge ready: ${bridge.url}`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await bridge.close();
    await backend.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
