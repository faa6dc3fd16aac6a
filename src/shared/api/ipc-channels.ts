/** Electron IPC channel names shared by the main process and the preload. */
export const INVOKE_CHANNEL = 'dubbing:invoke';
export const EVENT_CHANNEL = 'dubbing:event';
