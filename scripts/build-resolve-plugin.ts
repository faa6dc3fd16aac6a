/**
 * Builds the DaVinci Resolve Workflow Integration plugin folder:
 *
 *   build/resolve-plugin/<Id>/
 *     manifest.xml   Id, Name, Version, Description, FilePath (= main.js)
 *     package.json   name, version, main
 *     main.js        Electron main entry (CommonJS, electron external)
 *     preload.js     sandboxed preload (its only require is "electron")
 *     renderer.js    page script
 *     index.html     page (strict CSP), style.css
 *
 * `WorkflowIntegration.node` is never copied: the plugin loads it from the user's Resolve
 * installation at run time. The build fails if any `.node` file ends up in the folder.
 *
 * Usage: tsx scripts/build-resolve-plugin.ts [--out <folder>]   (default build/resolve-plugin)
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildXml, el } from '../src/main/nle/xml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESOURCES = path.join(ROOT, 'resources', 'resolve-plugin');
const SRC = path.join(ROOT, 'src', 'main', 'resolve', 'plugin');

/** Resolve 20 bundles Electron 36 (Node 22, Chromium 136). */
const NODE_TARGET = 'node22';
const CHROME_TARGET = 'chrome130';

export interface PluginBuildResult {
  /** The plugin folder (named after the Id). */
  dir: string;
  id: string;
  version: string;
  files: string[];
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** The manifest.xml Resolve reads when it scans the Workflow Integration Plugins folder. */
export function manifestXml(m: { id: string; name: string; version: string; description: string; filePath: string }): string {
  return buildXml(
    el(
      'BlackmagicDesign',
      {},
      el(
        'Plugin',
        {},
        el('Id', {}, m.id),
        el('Name', {}, m.name),
        el('Version', {}, m.version),
        el('Description', {}, m.description),
        el('FilePath', {}, m.filePath),
      ),
    ),
  );
}

/**
 * Builds the plugin into `<outRoot>/<Id>/` (replacing what was there).
 * @throws Error when a bundle fails or a `.node` file would be shipped.
 */
export async function buildResolvePlugin(opts: { outRoot?: string; minify?: boolean } = {}): Promise<PluginBuildResult> {
  const meta = JSON.parse(await fsp.readFile(path.join(RESOURCES, 'plugin.json'), 'utf8')) as { id: string; name: string; description: string };
  const pkg = JSON.parse(await fsp.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const outRoot = path.resolve(opts.outRoot ?? path.join(ROOT, 'build', 'resolve-plugin'));
  const dir = path.join(outRoot, meta.id);
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.mkdir(dir, { recursive: true });

  const common = { bundle: true, minify: opts.minify ?? false, sourcemap: false, legalComments: 'none' as const, logLevel: 'warning' as const };
  await build({
    ...common,
    entryPoints: [path.join(SRC, 'main.ts')],
    outfile: path.join(dir, 'main.js'),
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    external: ['electron'],
    define: { __PLUGIN_ID__: JSON.stringify(meta.id) },
  });
  await build({
    ...common,
    entryPoints: [path.join(SRC, 'preload.ts')],
    outfile: path.join(dir, 'preload.js'),
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    external: ['electron'],
  });
  await build({
    ...common,
    entryPoints: [path.join(SRC, 'renderer.ts')],
    outfile: path.join(dir, 'renderer.js'),
    platform: 'browser',
    format: 'iife',
    target: CHROME_TARGET,
  });
  for (const f of ['index.html', 'style.css']) await fsp.copyFile(path.join(RESOURCES, f), path.join(dir, f));
  await fsp.writeFile(
    path.join(dir, 'manifest.xml'),
    manifestXml({ id: meta.id, name: meta.name, version: pkg.version, description: meta.description, filePath: 'main.js' }),
  );
  await fsp.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: meta.id, version: pkg.version, private: true, main: 'main.js' }, null, 2) + '\n');

  const files = await listFiles(dir);
  const native = files.filter((f) => f.endsWith('.node'));
  if (native.length) throw new Error(`The plugin must not ship native modules: ${native.join(', ')}`);
  return { dir, id: meta.id, version: pkg.version, files };
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const i = process.argv.indexOf('--out');
  const outRoot = i > 0 ? process.argv[i + 1] : undefined;
  buildResolvePlugin({ outRoot }).then(
    (r) => console.log(`Built ${r.id} ${r.version} -> ${r.dir}\n  ${r.files.join('\n  ')}`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
