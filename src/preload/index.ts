import { contextBridge, ipcRenderer } from 'electron';
import { channels } from '../shared/api/contract';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../shared/api/ipc-channels';
import { electronMediaUrl } from '../shared/api/media-url';

/**
 * The preload facade: the only bridge between the sandboxed renderer and the main process.
 * It exposes `window.dubbing` with `invoke` (limited to the contract's channels), `subscribe`
 * for service events and `mediaUrl`; never `ipcRenderer` itself.
 */
const allowed = new Set<string>(channels);

contextBridge.exposeInMainWorld('dubbing', {
  invoke(channel: string, payload: unknown) {
    if (!allowed.has(channel)) return Promise.resolve({ ok: false, error: { code: 'E_BAD_REQUEST', message: `Unknown API channel ${channel}.`, hint: '' } });
    return ipcRenderer.invoke(INVOKE_CHANNEL, channel, payload);
  },
  subscribe(listener: (event: string, payload: unknown) => void) {
    const handler = (_e: unknown, event: string, payload: unknown) => listener(event, payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
  mediaUrl(path: string) {
    return electronMediaUrl(path);
  },
});
