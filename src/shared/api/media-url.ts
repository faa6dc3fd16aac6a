/**
 * Media URLs. The renderer never sees file:// URLs: in Electron media loads through the
 * `media://` scheme, in the bridge through `GET /media?p=<path>&t=<token>`. Both answer byte
 * ranges (206) and only serve files the media access policy allows.
 */

export const MEDIA_SCHEME = 'media';

/** `media://file/<percent-encoded absolute path>`. */
export function electronMediaUrl(path: string): string {
  return `${MEDIA_SCHEME}://file/${encodeURIComponent(path)}`;
}

/** The absolute path in a `media://file/...` URL, or null when the URL is not one. */
export function parseElectronMediaUrl(url: string): string | null {
  const prefix = `${MEDIA_SCHEME}://file/`;
  if (!url.startsWith(prefix)) return null;
  const rest = url.slice(prefix.length).split(/[?#]/)[0];
  try {
    const p = decodeURIComponent(rest);
    return p.length > 0 ? p : null;
  } catch {
    return null;
  }
}

/** Bridge media URL relative to the page origin. */
export function bridgeMediaUrl(path: string, token: string): string {
  return `/media?p=${encodeURIComponent(path)}&t=${encodeURIComponent(token)}`;
}
