import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, type DubPluginApi } from './ipc';

/**
 * Sandboxed preload of the Resolve plugin: exposes the two actions (and "show in folder") to
 * the page as `window.dubPlugin` through the context bridge. Nothing else from Node or
 * Electron reaches the page. Bundled to one file whose only require is `electron`.
 */
const api: DubPluginApi = {
  dubCurrentTimeline: () => ipcRenderer.invoke(CHANNELS.dubCurrentTimeline),
  sendBack: () => ipcRenderer.invoke(CHANNELS.sendBack),
  reveal: (file: string) => ipcRenderer.invoke(CHANNELS.reveal, file),
};

contextBridge.exposeInMainWorld('dubPlugin', api);
