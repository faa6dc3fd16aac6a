import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Starts a worker thread whose entry is the module `name` (without extension).
 * - From TypeScript sources (CLI via tsx, tests; `baseUrl`, the caller's `import.meta.url`, ends
 *   in `.ts`): the entry is `./<name>.ts` next to the caller; the worker first registers tsx's
 *   ESM loader (module hooks are per thread), then imports it.
 * - From the built app: `<name>.js` is its own bundle entry in `out/main` (electron.vite.config.ts),
 *   while the caller may sit in `out/main/chunks`: the nearest `<name>.js` up from the caller.
 * @throws Error when the built worker bundle is missing.
 */
export function startModuleWorker(baseUrl: string, name: string, workerData?: unknown): Worker {
  if (!baseUrl.endsWith('.ts')) {
    let dir = path.dirname(fileURLToPath(baseUrl));
    for (let up = 0; up < 3; up++, dir = path.dirname(dir)) {
      const file = path.join(dir, `${name}.js`);
      if (existsSync(file)) return new Worker(file, { workerData });
    }
    throw new Error(`The worker bundle ${name}.js was not found near ${baseUrl}; rebuild the app (npm run build).`);
  }
  const entry = new URL(`./${name}.ts`, baseUrl).href;
  const tsxApi = pathToFileURL(createRequire(baseUrl).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
