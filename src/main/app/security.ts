/**
 * Security settings of the editor's windows, kept free of Electron imports so unit tests can
 * assert them and the bridge can reuse the CSP. See the Electron security checklist: context
 * isolation, sandbox, no Node in the renderer, a strict CSP, no navigation, no new windows,
 * no permissions, local files only through the `media://` protocol.
 */

/** `webPreferences` of every editor window (merged with the preload path at creation). */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  safeDialogs: true,
} as const;

export interface CspOptions {
  /** Vite dev server: allows its inline preamble and HMR socket. */
  dev: boolean;
  /** Extra `connect-src` sources (the bridge's WebSocket). */
  connect?: string[];
  /** Dev server origin (e.g. http://localhost:5173). */
  devServer?: string;
}

/**
 * Content-Security-Policy of the renderer. Scripts only from the app itself (no eval, no inline
 * scripts outside dev); media and images from the app, `media:` and blob:; no plugins, no
 * frames, no form posts. Styles allow inline because wavesurfer.js and React set element styles.
 */
export function buildCsp(o: CspOptions): string {
  const self = ["'self'", ...(o.dev && o.devServer ? [o.devServer] : [])];
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': [...self, ...(o.dev ? ["'unsafe-inline'"] : [])],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'media:', 'data:', 'blob:'],
    'media-src': ["'self'", 'media:', 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", 'media:', ...(o.connect ?? []), ...(o.dev && o.devServer ? [o.devServer, o.devServer.replace(/^http/, 'ws')] : [])],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/**
 * Whether the window may navigate to `url`: never, except reloading the app's own page (the
 * dev server URL or the packaged index.html). Links to the web are not followed.
 */
export function isAllowedNavigation(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const app = new URL(appUrl);
    return u.protocol === app.protocol && u.host === app.host && u.pathname === app.pathname;
  } catch {
    return false;
  }
}

/** Permission requests (camera, microphone, notifications, ...) are all denied. */
export function isPermissionAllowed(_permission: string): boolean {
  return false;
}

/**
 * IPC sender check: only the app's own top frame may call the API (not a subframe, not a page
 * the window was somehow navigated to).
 */
export function isTrustedSender(frameUrl: string | undefined, isTopFrame: boolean, appUrl: string): boolean {
  if (!frameUrl || !isTopFrame) return false;
  try {
    const u = new URL(frameUrl);
    const app = new URL(appUrl);
    return u.protocol === app.protocol && u.host === app.host;
  } catch {
    return false;
  }
}
