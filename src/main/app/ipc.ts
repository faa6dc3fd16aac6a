import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { EventName, EventPayload } from '../../shared/api/contract';
import type { Dispatch } from '../services/dispatch';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from '../../shared/api/ipc-channels';
import { isTrustedSender } from './security';

export { EVENT_CHANNEL, INVOKE_CHANNEL };

/**
 * Registers the API on Electron IPC: every request is checked to come from the app's own top
 * frame (sender validation), then validated against the contract's zod schema by `dispatch`.
 */
export function registerIpc(dispatch: Dispatch, appUrl: () => string): void {
  ipcMain.handle(INVOKE_CHANNEL, async (event: IpcMainInvokeEvent, channel: unknown, payload: unknown) => {
    const frame = event.senderFrame;
    if (!isTrustedSender(frame?.url, !!frame && frame === frame.top, appUrl())) {
      return { ok: false, error: { code: 'E_FORBIDDEN', message: 'Request from an untrusted frame refused.', hint: '' } };
    }
    return dispatch(channel, payload);
  });
}

/** Forwards a service event to a window's renderer. */
export function sendEvent<E extends EventName>(wc: WebContents, event: E, payload: EventPayload<E>): void {
  if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, event, payload);
}
