import { BrowserWindow, session, shell } from 'electron';
import { buildCsp, isAllowedNavigation, isPermissionAllowed, SECURE_WEB_PREFERENCES } from './security';

export interface WindowOptions {
  preload: string;
  /** Dev server URL (electron-vite dev) or null to load the packaged index.html. */
  devUrl: string | null;
  indexHtml: string;
}

/** The URL the editor page is loaded from (used for navigation and sender checks). */
export function appUrlFor(o: WindowOptions): string {
  return o.devUrl ?? `file://${o.indexHtml.split('\\').join('/')}`;
}

/**
 * Applies the session-wide security policy once: deny every permission request and check,
 * and send the CSP header on the dev server's responses (the packaged page carries it in a
 * <meta> tag, since file:// responses have no headers).
 */
export function hardenSession(devUrl: string | null): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(isPermissionAllowed(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => isPermissionAllowed(permission));
  if (devUrl) {
    const csp = buildCsp({ dev: true, devServer: new URL(devUrl).origin });
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
    });
  }
}

/** Creates the editor window with the secure preferences; navigation and new windows are denied. */
export function createEditorWindow(o: WindowOptions): BrowserWindow {
  const appUrl = appUrlFor(o);
  const win = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 640,
    show: false,
    backgroundColor: '#15171c',
    title: 'Dubbing Editor',
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: o.preload },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the web open in the user's browser, never inside the app.
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAllowedNavigation(url, appUrl)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  if (o.devUrl) void win.loadURL(o.devUrl);
  else void win.loadFile(o.indexHtml);
  return win;
}
