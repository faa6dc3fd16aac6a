import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDubbedTimeline } from '../../src/main/nle/export';
import { makeSendBack, parseHandoff } from '../../src/main/nle/handoff';
import type { NleTimeline } from '../../src/main/nle/model';
import { checkWellFormed, child, parseXml } from '../../src/main/nle/xml';
import { buildResolvePlugin, type PluginBuildResult } from '../../scripts/build-resolve-plugin';
import { workflowIntegrationCandidates, loadWorkflowIntegration, WI_ENV } from '../../src/main/resolve/workflow-integration';

let out: string;
let plugin: PluginBuildResult;

beforeAll(async () => {
  out = await fsp.mkdtemp(path.join(os.tmpdir(), 'resolve-plugin-'));
  plugin = await buildResolvePlugin({ outRoot: out });
});
afterAll(async () => {
  await fsp.rm(out, { recursive: true, force: true });
});

describe('npm run build:resolve-plugin', () => {
  it('produces a folder named after the Id with a well-formed manifest.xml', () => {
    expect(path.basename(plugin.dir)).toBe(plugin.id);
    const text = readFileSync(path.join(plugin.dir, 'manifest.xml'), 'utf8');
    expect(checkWellFormed(text)).toBe(true);
    const root = parseXml(text);
    expect(root.name).toBe('BlackmagicDesign');
    const p = child(root, 'Plugin');
    const field = (n: string) => child(p, n)?.text ?? '';
    expect(field('Id')).toBe(plugin.id);
    expect(field('Id')).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
    expect(field('Name')).not.toBe('');
    expect(field('Version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(field('Description')).not.toBe('');
    expect(field('FilePath')).toBe('main.js');
    expect(existsSync(path.join(plugin.dir, field('FilePath')))).toBe(true);
  });

  it('ships main, preload and renderer but never a native module', () => {
    expect(plugin.files).toEqual(['index.html', 'main.js', 'manifest.xml', 'package.json', 'preload.js', 'renderer.js', 'style.css']);
    expect(plugin.files.some((f) => f.endsWith('.node'))).toBe(false);
    for (const f of ['main.js', 'preload.js']) execFileSync(process.execPath, ['--check', path.join(plugin.dir, f)]);
    // The sandboxed preload may only require "electron".
    const preload = readFileSync(path.join(plugin.dir, 'preload.js'), 'utf8');
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld');
    // The renderer runs in the page: no require at all.
    expect(readFileSync(path.join(plugin.dir, 'renderer.js'), 'utf8')).not.toMatch(/\brequire\(/);
    // WorkflowIntegration.node is not bundled or referenced relative to the plugin.
    const main = readFileSync(path.join(plugin.dir, 'main.js'), 'utf8');
    expect(main).not.toMatch(/require\(["']\.\/WorkflowIntegration\.node["']\)/);
    expect(JSON.parse(readFileSync(path.join(plugin.dir, 'package.json'), 'utf8'))).toMatchObject({ name: plugin.id, main: 'main.js' });
  });

  it('the page has a CSP, the two buttons and loads the built renderer', () => {
    const html = readFileSync(path.join(plugin.dir, 'index.html'), 'utf8');
    expect(html).toMatch(/<meta\s+http-equiv="Content-Security-Policy"\s+content="default-src 'none'; script-src 'self'/);
    expect(html).toContain('>Dub current timeline</button>');
    expect(html).toContain('>Send back</button>');
    expect(html).toContain('src="renderer.js"');
  });
});

describe('the built plugin in a stand-in Electron with a fake WorkflowIntegration module', () => {
  it('opens a sandboxed, context-isolated window and runs both actions through IPC', async () => {
    const work = path.join(out, 'run');
    await fsp.mkdir(work, { recursive: true });
    // A WorkflowIntegration "module" that hands out the fake Resolve (async API).
    const fakeWi = path.join(work, 'fake-wi.cjs');
    const fakeResolve = fileURLToPath(new URL('../helpers/fake-resolve.ts', import.meta.url));
    const shot = path.join(work, 'shot 1.mov');
    await fsp.writeFile(shot, 'x');
    await build({
      stdin: {
        contents: `
          import { createFakeResolve } from ${JSON.stringify(fakeResolve)};
          const { resolve } = createFakeResolve({
            name: 'Cut 3', frameRate: '23.976', startFrame: 86400, startTimecode: '01:00:00:00',
            video: [[{ media: { filePath: '/m/a.mov', fps: '23.976', startTimecode: '10:00:00:00', frames: 2000 }, start: 86400, end: 86500, leftOffset: 40 }]],
          }, { async: true, probe: (p) => ({ filePath: p, fps: '23.976', startTimecode: '10:00:01:16', frames: 100 }) });
          export let initializedWith = null;
          export function Initialize(id) { initializedWith = id; return id === ${JSON.stringify(plugin.id)}; }
          export function GetResolve() { return resolve; }
          export function CleanUp() { return true; }`,
        resolveDir: work,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: fakeWi,
      logLevel: 'error',
    });
    const driver = path.join(work, 'driver.cjs');
    await fsp.writeFile(
      driver,
      `
      const Module = require('module');
      const calls = { windows: [], loaded: [], handlers: {} };
      const electron = {
        app: { whenReady: () => Promise.resolve(), on() {}, getPath: () => process.env.DOCS, quit() {} },
        BrowserWindow: class { constructor(o) { calls.windows.push(o); this.webContents = { on() {}, setWindowOpenHandler() {} }; }
          loadFile(f) { calls.loaded.push(f); return Promise.resolve(); } on() {} },
        ipcMain: { handle: (ch, fn) => { calls.handlers[ch] = fn; } },
        dialog: { showOpenDialog: async () => ({ canceled: false, filePaths: [process.env.MANIFEST] }) },
        shell: { showItemInFolder() {} },
      };
      const load = Module._load;
      Module._load = function (request) { return request === 'electron' ? electron : load.apply(this, arguments); };
      require(process.env.MAIN);
      setTimeout(async () => {
        const read = await calls.handlers['dub-plugin:dub-current-timeline']();
        const send = await calls.handlers['dub-plugin:send-back']();
        process.stdout.write(JSON.stringify({ windows: calls.windows, loaded: calls.loaded, channels: Object.keys(calls.handlers), read, send,
          initializedWith: require(process.env.${WI_ENV}).initializedWith }));
      }, 20);`,
    );
    // The send-back manifest for the shot, cut for the same timeline.
    const timeline: NleTimeline = {
      name: 'Cut 3',
      rate: { num: 24000, den: 1001 },
      dropFrame: false,
      startTimecodeFrames: 86400,
      markers: [],
      tracks: [{ kind: 'video', name: 'V1', clips: [{ name: 'a', mediaPath: '/m/a.mov', sourceIn: 40, sourceOut: 140, recordIn: 0, recordOut: 100, mediaRate: { num: 24000, den: 1001 }, sourceTimecodeStart: 864000, mediaDropFrame: false }] }],
    };
    const dubbed = buildDubbedTimeline(timeline, [{ originalClip: timeline.tracks[0].clips[0], dubbedMediaPath: shot, handles: 0 }]);
    const manifest = path.join(work, 'cut.sendback.json');
    await fsp.writeFile(manifest, JSON.stringify(makeSendBack(dubbed, 'Dubbed')));

    const stdout = execFileSync(process.execPath, [driver], {
      encoding: 'utf8',
      env: { ...process.env, MAIN: path.join(plugin.dir, 'main.js'), DOCS: path.join(work, 'docs'), MANIFEST: manifest, [WI_ENV]: fakeWi },
    });
    const r = JSON.parse(stdout);
    expect(r.windows).toHaveLength(1);
    expect(r.windows[0].webPreferences).toEqual({ preload: path.join(plugin.dir, 'preload.js'), contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(r.loaded).toEqual([path.join(plugin.dir, 'index.html')]);
    expect(r.channels.sort()).toEqual(['dub-plugin:dub-current-timeline', 'dub-plugin:reveal', 'dub-plugin:send-back']);
    expect(r.initializedWith).toBe(plugin.id);
    expect(r.read).toMatchObject({ ok: true, value: { timelineName: 'Cut 3', clips: 1 } });
    expect(r.read.value.file).toBe(path.join(work, 'docs', 'Dubbing Editor', 'Resolve', 'Cut 3.dubtimeline.json'));
    const handoff = parseHandoff(readFileSync(r.read.value.file, 'utf8'));
    expect(handoff.timeline.tracks[0].clips[0]).toMatchObject({ mediaPath: '/m/a.mov', sourceIn: 40, sourceOut: 140, recordIn: 0, recordOut: 100, sourceTimecodeStart: 864000 });
    expect(r.send).toMatchObject({ ok: true, value: { cancelled: false, shots: 1, markers: 1, trackIndices: [2] } });
  });
});

describe.skipIf(process.platform === 'win32')('scripts/install-resolve-plugin.sh', () => {
  it('copies the built folder into the plugins folder and removes it again', () => {
    const script = fileURLToPath(new URL('../../scripts/install-resolve-plugin.sh', import.meta.url));
    const dest = path.join(out, 'Workflow Integration Plugins');
    const env = { ...process.env, RESOLVE_PLUGINS_DIR: dest };
    execFileSync('bash', [script, '--build', out], { env, encoding: 'utf8' });
    const installed = path.join(dest, plugin.id);
    expect(readFileSync(path.join(installed, 'manifest.xml'), 'utf8')).toBe(readFileSync(path.join(plugin.dir, 'manifest.xml'), 'utf8'));
    expect(existsSync(path.join(installed, 'main.js'))).toBe(true);
    execFileSync('bash', [script, '--uninstall'], { env, encoding: 'utf8' });
    expect(existsSync(installed)).toBe(false);
  });

  it('refuses a build that contains a .node file', async () => {
    const script = fileURLToPath(new URL('../../scripts/install-resolve-plugin.sh', import.meta.url));
    const bad = path.join(out, 'bad');
    await fsp.cp(plugin.dir, path.join(bad, plugin.id), { recursive: true });
    await fsp.writeFile(path.join(bad, plugin.id, 'WorkflowIntegration.node'), 'x');
    const dest = path.join(out, 'plugins-bad');
    expect(() => execFileSync('bash', [script, '--build', bad], { env: { ...process.env, RESOLVE_PLUGINS_DIR: dest }, stdio: 'pipe' })).toThrow(/Refusing to install/);
    expect(existsSync(path.join(dest, plugin.id))).toBe(false);
  });
});

describe('WorkflowIntegration.node location', () => {
  it('env override, settings, then Resolve\'s documented Developer folder per platform', () => {
    expect(workflowIntegrationCandidates('darwin', {})).toEqual([
      '/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Workflow Integrations/Examples/SamplePlugin/WorkflowIntegration.node',
    ]);
    expect(workflowIntegrationCandidates('win32', { PROGRAMDATA: 'C:\\ProgramData' }, 'E:\\wi.node')).toEqual([
      'E:\\wi.node',
      'C:\\ProgramData\\Blackmagic Design\\DaVinci Resolve\\Support\\Developer\\Workflow Integrations\\Examples\\SamplePlugin\\WorkflowIntegration.node',
    ]);
    expect(workflowIntegrationCandidates('linux', { [WI_ENV]: '/opt/wi.node' })).toEqual(['/opt/wi.node']);
  });
  it('loads the first existing file and checks it is the module', () => {
    const mod = { Initialize: () => true, GetResolve: () => ({}), CleanUp: () => true };
    const r = loadWorkflowIntegration({ candidates: ['/a', '/b'], exists: (p) => p === '/b', requireNative: () => mod });
    expect(r.path).toBe('/b');
    expect(() => loadWorkflowIntegration({ candidates: ['/a'], exists: () => false, requireNative: () => mod })).toThrow(expect.objectContaining({ code: 'E_RESOLVE_WI' }));
    expect(() => loadWorkflowIntegration({ candidates: ['/a'], exists: () => true, requireNative: () => ({}) })).toThrow(expect.objectContaining({ code: 'E_RESOLVE_WI' }));
  });
});
