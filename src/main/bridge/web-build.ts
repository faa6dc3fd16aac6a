import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * Builds the renderer for the browser (the bridge) with Vite: same sources and React plugin as
 * the Electron renderer build in electron.vite.config.ts, output in `outDir`. Skipped when the
 * output is newer than every file under src/renderer and src/shared.
 */
export async function buildWebRenderer(repoRoot: string, outDir: string, force = false): Promise<'built' | 'fresh'> {
  const srcDirs = [path.join(repoRoot, 'src/renderer'), path.join(repoRoot, 'src/shared')];
  const index = path.join(outDir, 'index.html');
  if (!force) {
    const builtAt = await fsp.stat(index).then((s) => s.mtimeMs).catch(() => 0);
    if (builtAt > 0 && (await newestMtime(srcDirs)) < builtAt) return 'fresh';
  }
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  await build({
    configFile: false,
    root: path.join(repoRoot, 'src/renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir, emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  });
  return 'built';
}

async function newestMtime(dirs: string[]): Promise<number> {
  let newest = 0;
  const visit = async (d: string) => {
    const entries = await fsp.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else newest = Math.max(newest, (await fsp.stat(p)).mtimeMs);
    }
  };
  for (const d of dirs) await visit(d);
  return newest;
}
