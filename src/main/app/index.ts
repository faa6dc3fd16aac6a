import { app, BrowserWindow } from 'electron';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../services/backend';
import { nativeDialogs } from './dialogs';
import { registerIpc, sendEvent } from './ipc';
import { handleMediaProtocol, registerMediaScheme } from './protocol';
import { utilityLauncher } from './utility-host';
import { appUrlFor, createEditorWindow, hardenSession, type WindowOptions } from './window';

/**
 * Electron main: thin. Windows, native dialogs, the media:// protocol and IPC; the services
 * (project files, job queue) run here, heavy work in the two inference hosts (utilityProcess).
 * Environment: DUBBING_FAKE_PIPELINE=1 uses the fast stand-in pipeline (UI development).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
registerMediaScheme();
app.enableSandbox();

const windowOptions: WindowOptions = {
  preload: path.join(here, '../preload/index.cjs'),
  devUrl: process.env.ELECTRON_RENDERER_URL ?? null,
  indexHtml: path.join(here, '../renderer/index.html'),
};

let mainWindow: BrowserWindow | null = null;

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (ev) => ev.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

/**
 * In a packaged app ffmpeg-static's binary is unpacked next to the asar (electron-builder.yml
 * asarUnpack); point FFMPEG_PATH there so the hosts (which inherit the environment) find it.
 */
function useUnpackedFfmpeg(): void {
  if (!app.isPackaged || process.env.FFMPEG_PATH) return;
  try {
    const require = createRequire(import.meta.url);
    const p = require('ffmpeg-static') as string | null;
    if (p) process.env.FFMPEG_PATH = p.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  } catch {
    // not bundled: ffmpeg comes from PATH
  }
}

void app.whenReady().then(() => {
  useUnpackedFfmpeg();
  hardenSession(windowOptions.devUrl);
  const cacheDir = path.join(app.getPath('userData'), 'cache');
  const backend = createBackend({
    mode: 'electron',
    version: app.getVersion(),
    cacheDir,
    stateDir: path.join(app.getPath('userData'), 'state'),
    browseRoots: [app.getPath('home')],
    pipelineKind: process.env.DUBBING_FAKE_PIPELINE === '1' ? 'fake' : 'real',
    launcher: (name, config) => utilityLauncher(path.join(here, 'host.js'), name, config),
    dialogs: nativeDialogs(() => BrowserWindow.getFocusedWindow() ?? mainWindow),
    testHooks: process.env.DUBBING_TEST_HOOKS === '1',
    log: (line) => console.error(line),
  });
  handleMediaProtocol(backend.services.access);
  registerIpc(backend.dispatch, () => appUrlFor(windowOptions));
  backend.services.subscribe((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) sendEvent(w.webContents, event, payload);
  });
  mainWindow = createEditorWindow(windowOptions);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createEditorWindow(windowOptions);
  });
  let quitting = false;
  app.on('before-quit', (e) => {
    if (quitting) return;
    e.preventDefault();
    quitting = true;
    void backend.dispose().finally(() => app.quit());
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
