import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Which files the renderer may load through media URLs (media:// in Electron, /media in the
 * bridge): files inside the render cache folder and the open project's folder, and the media
 * files the open project references (chosen by the user). Paths are compared after resolving
 * symbolic links, so a link cannot lead outside.
 */
export class MediaAccessPolicy {
  private roots: string[] = [];
  private files = new Set<string>();

  constructor(private readonly cacheDir: string) {
    this.roots = [path.resolve(cacheDir)];
  }

  /** Sets the open project: its folder (when saved) and its media files become readable. */
  setProject(projectPath: string | null, mediaFiles: string[]): void {
    this.roots = [path.resolve(this.cacheDir), ...(projectPath ? [path.dirname(path.resolve(projectPath))] : [])];
    this.files = new Set(mediaFiles.map((f) => path.resolve(f)));
  }

  /** Allows one more file (media the user just opened, before the project is activated again). */
  grantFile(file: string): void {
    this.files.add(path.resolve(file));
  }

  /**
   * Resolves `file` and checks it is allowed.
   * @returns the real path to serve, or null when it is not allowed or does not exist.
   */
  async resolve(file: string): Promise<string | null> {
    if (!path.isAbsolute(file) || file.includes('\0')) return null;
    let real: string;
    try {
      real = await fsp.realpath(file);
    } catch {
      return null;
    }
    const st = await fsp.stat(real).catch(() => null);
    if (!st?.isFile()) return null;
    for (const f of this.files) {
      if (f === path.resolve(file) || f === real) return real;
      const fReal = await fsp.realpath(f).catch(() => null);
      if (fReal === real) return real;
    }
    for (const root of this.roots) {
      const rootReal = await fsp.realpath(root).catch(() => root);
      if (isInside(real, rootReal)) return real;
    }
    return null;
  }

  describe(): { roots: string[]; files: string[] } {
    return { roots: [...this.roots], files: [...this.files] };
  }
}

/** True when `child` is `parent` or lies under it. */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

const MIME: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
};

export function mimeTypeOf(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Parses a single-range `Range: bytes=a-b` header against a file of `size` bytes.
 * @returns the inclusive byte range, null when there is no (usable) header, or 'unsatisfiable'.
 */
export function parseRange(header: string | null | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export interface MediaResponse {
  status: 200 | 206 | 403 | 404 | 416;
  headers: Record<string, string>;
  /** File bytes to send (null for errors and HEAD). */
  body: Readable | null;
}

/**
 * Answers a media request: 403 when the policy refuses the path, 200 with the whole file, 206 with
 * the requested byte range (what `<video>` seeking uses), 416 for an unsatisfiable range.
 */
export async function serveMedia(policy: MediaAccessPolicy, file: string, rangeHeader: string | null | undefined, method = 'GET'): Promise<MediaResponse> {
  const real = await policy.resolve(file);
  if (!real) return { status: 403, headers: { 'Content-Type': 'text/plain' }, body: null };
  const st = await fsp.stat(real).catch(() => null);
  if (!st) return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: null };
  const base = { 'Content-Type': mimeTypeOf(real), 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
  const range = parseRange(rangeHeader, st.size);
  if (range === 'unsatisfiable') return { status: 416, headers: { ...base, 'Content-Range': `bytes */${st.size}` }, body: null };
  if (range) {
    return {
      status: 206,
      headers: { ...base, 'Content-Range': `bytes ${range.start}-${range.end}/${st.size}`, 'Content-Length': String(range.end - range.start + 1) },
      body: method === 'HEAD' ? null : createReadStream(real, { start: range.start, end: range.end }),
    };
  }
  return { status: 200, headers: { ...base, 'Content-Length': String(st.size) }, body: method === 'HEAD' ? null : createReadStream(real) };
}
