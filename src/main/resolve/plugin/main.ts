import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, shell } from 'electron';
import type { ResolveAdapter } from '../adapter';
import type { WorkflowIntegrationModule } from '../api-types';
import { createResolveAdapter } from '../resolve-api';
import { connectResolve, loadWorkflowIntegration, workflowIntegrationCandidates } from '../workflow-integration';
import { dubCurrentTimelineAction, sendBackAction, toResult } from './actions';
import { CHANNELS, type SendBackSummary } from './ipc';

/**
 * Electron main entry of the DaVinci Resolve Workflow Integration plugin (the manifest's
 * FilePath). Resolve starts it in its own bundled Electron (sandboxed renderers, context
 * isolation). It loads `WorkflowIntegration.node` from the Resolve installation, talks to
 * Resolve only here in the main process, and serves the two actions to the page over IPC.
 * Bundled to CommonJS by scripts/build-resolve-plugin.ts, which defines `__PLUGIN_ID__`.
 */

declare const __PLUGIN_ID__: string;

interface Settings {
  /** Full path of WorkflowIntegration.node when Resolve is installed elsewhere. */
  workflowIntegrationPath?: string;
  /** Where "Dub current timeline" writes (default: Documents/Dubbing Editor/Resolve). */
  exchangeDir?: string;
}

function readSettings(): Settings {
  try {
    return JSON.parse(readFileSync(path.join(__dirname, 'settings.json'), 'utf8')) as Settings;
  } catch {
    return {};
  }
}

let wi: WorkflowIntegrationModule | null = null;
let adapter: ResolveAdapter | null = null;
let win: BrowserWindow | null = null;

async function getAdapter(): Promise<ResolveAdapter> {
  if (adapter) return adapter;
  const settings = readSettings();
  const loaded = loadWorkflowIntegration({
    candidates: workflowIntegrationCandidates(process.platform, process.env, settings.workflowIntegrationPath),
    exists: existsSync,
    // Node's own require, at run time: the native module is never bundled or copied.
    requireNative: (p) => createRequire(__filename)(p),
  });
  const resolve = await connectResolve(loaded.module, __PLUGIN_ID__);
  wi = loaded.module;
  adapter = createResolveAdapter(resolve);
  return adapter;
}

function exchangeDir(): string {
  return readSettings().exchangeDir ?? path.join(app.getPath('documents'), 'Dubbing Editor', 'Resolve');
}

ipcMain.handle(CHANNELS.dubCurrentTimeline, () => toResult(async () => dubCurrentTimelineAction(await getAdapter(), exchangeDir())));

ipcMain.handle(CHANNELS.sendBack, () =>
  toResult(async (): Promise<SendBackSummary> => {
    const a = await getAdapter();
    const options: Electron.OpenDialogOptions = {
      title: 'Choose the send-back file of the dubbed shots',
      defaultPath: exchangeDir(),
      filters: [{ name: 'Dubbed shots (send-back)', extensions: ['json'] }],
      properties: ['openFile'],
    };
    const pick = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
    if (pick.canceled || pick.filePaths.length === 0) return { cancelled: true };
    return sendBackAction(a, pick.filePaths[0]);
  }),
);

ipcMain.handle(CHANNELS.reveal, (_e, file: unknown) => {
  if (typeof file === 'string' && path.isAbsolute(file)) shell.showItemInFolder(file);
});

function createWindow(): void {
  win = new BrowserWindow({
    width: 560,
    height: 460,
    title: 'Dubbing Editor',
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  // The page may not navigate or open windows.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void win.loadFile(path.join(__dirname, 'index.html'));
  win.on('closed', () => {
    win = null;
  });
}

void app.whenReady().then(createWindow);

app.on('window-all-closed', () => {
  wi?.CleanUp();
  app.quit();
});
