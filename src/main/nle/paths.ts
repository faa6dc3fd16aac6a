import { UserError } from '../util/errors';

/**
 * File paths <-> `file:` URLs as NLE interchange files use them (RFC 8089 / RFC 3986):
 * every path segment is percent-encoded as UTF-8 (spaces -> %20, `#` -> %23, `%` -> %25, non-ASCII
 * bytes -> %XX), `/` separates segments. Windows paths become `file:///C:/dir/a%20b.mov`, UNC
 * paths `file://server/share/...`. The host form `file://localhost/...` (FCP7 / Premiere
 * `pathurl`) is produced with `{ localhost: true }` and accepted when reading.
 */

const WIN_DRIVE = /^[A-Za-z]:[\\/]/;
const UNC = /^\\\\[^\\]+\\/;

/** True for `C:\...`, `C:/...` and `\\server\share\...`. */
export function isWindowsPath(p: string): boolean {
  return WIN_DRIVE.test(p) || UNC.test(p);
}

/** True when `p` is absolute on macOS/Linux (`/...`) or Windows (drive or UNC). */
export function isAbsoluteMediaPath(p: string): boolean {
  return p.startsWith('/') || isWindowsPath(p);
}

function encodeSegment(seg: string): string {
  // encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) unescaped: all legal in a path
  // segment. Also escape ' ( ) * ! so the URL is safe inside any quoting an NLE might use.
  return encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `file:` URL for an absolute path.
 * @param opts.localhost write `file://localhost/...` (FCP7 xmeml `pathurl` convention) instead of `file:///...`.
 * @throws UserError `E_NLE_PATH` for a relative path.
 */
export function pathToFileUrl(p: string, opts: { localhost?: boolean } = {}): string {
  const host = opts.localhost ? 'localhost' : '';
  if (UNC.test(p)) {
    const parts = p.slice(2).split(/[\\/]/);
    return `file://${parts[0]}/${parts.slice(1).map(encodeSegment).join('/')}`;
  }
  if (WIN_DRIVE.test(p)) {
    const parts = p.split(/[\\/]/);
    const drive = parts[0].toUpperCase();
    return `file://${host}/${drive}/${parts.slice(1).map(encodeSegment).join('/')}`;
  }
  if (!p.startsWith('/')) {
    throw new UserError('E_NLE_PATH', `"${p}" is not an absolute path.`, 'Media paths in an exported timeline must be absolute.');
  }
  return `file://${host}/${p.slice(1).split('/').map(encodeSegment).join('/')}`;
}

/**
 * The path for a `file:` URL (`file:///a/b`, `file://localhost/a/b`, `file:/a/b`,
 * `file:///C:/x`, `file://localhost/C%3a/x`, `file://server/share/x`). Percent-escapes are
 * decoded as UTF-8. Windows drive paths come back with `\` separators, others with `/`.
 * A string without the `file:` scheme is returned unchanged (NLEs sometimes write plain paths).
 * @throws UserError `E_NLE_PATH` for another scheme (http:, ...) or a malformed escape.
 */
export function fileUrlToPath(url: string): string {
  const u = url.trim();
  if (!/^file:/i.test(u)) {
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(u)) {
      throw new UserError('E_NLE_PATH', `Media URL "${u}" is not a local file.`, 'Only local media (file:// URLs or paths) can be dubbed; download or relink it first.');
    }
    return u;
  }
  let rest = u.replace(/^file:/i, '');
  let host = '';
  if (rest.startsWith('//')) {
    rest = rest.slice(2);
    const slash = rest.indexOf('/');
    host = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '/' : rest.slice(slash);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    throw new UserError('E_NLE_PATH', `Media URL "${u}" has a malformed %-escape.`, 'Re-export the timeline or relink the media.');
  }
  if (/^\/[A-Za-z]:([\\/]|$)/.test(decoded)) {
    return decoded.slice(1).replace(/\//g, '\\');
  }
  if (host && host.toLowerCase() !== 'localhost') {
    return `\\\\${host}${decoded.replace(/\//g, '\\')}`;
  }
  return decoded;
}

/** The last path segment of a POSIX or Windows path. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}
