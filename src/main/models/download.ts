/**
 * Resumable, verified HTTP(S) downloads for the model manager.
 *
 * Bytes go to `<dest>.part`; a sidecar `<dest>.part.json` remembers the URL, expected SHA-256 and
 * the server's validator (ETag / Last-Modified). A later call resumes with `Range` + `If-Range`
 * (a server that answers 200 instead of 206 restarts from zero). The finished file is hashed; only
 * a file with the expected SHA-256 (and size) is renamed to `dest`, so a partial or corrupt file
 * is never used. An existing `dest` with the expected hash is kept without a request.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../util/file-hash';
import { CancelledError, UserError } from '../util/errors';

export interface DownloadProgress {
  url: string;
  /** Bytes on disk so far (including resumed bytes). */
  received: number;
  /** Expected total bytes (NaN when unknown). */
  total: number;
  /** Bytes that were already on disk when this attempt started. */
  resumedFrom: number;
  /** Average bytes per second of this attempt. */
  bytesPerSec: number;
}

export interface DownloadOptions {
  /** Expected lower-case hex SHA-256 of the whole file. */
  sha256: string;
  /** Expected size in bytes, when known. */
  size?: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Injected for tests; defaults to global fetch. */
  fetchImpl?: typeof fetch;
}

interface PartMeta {
  url: string;
  sha256: string;
  validator?: string;
}

async function readMeta(file: string): Promise<PartMeta | null> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as PartMeta;
  } catch {
    return null;
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

/** Parses `Content-Range: bytes START-END/TOTAL`; returns START or NaN. */
export function contentRangeStart(header: string | null): number {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  return m ? Number(m[1]) : NaN;
}

/**
 * Downloads `url` to `dest` (resuming a previous partial download of the same URL and hash) and
 * verifies its SHA-256 and size. `dest` appears only when complete and verified.
 * @throws UserError `E_DOWNLOAD` (HTTP/network error; the partial file is kept for resuming),
 *   `E_DOWNLOAD_HASH` (wrong size or hash; the partial file is deleted), CancelledError.
 */
export async function downloadVerified(url: string, dest: string, opts: DownloadOptions): Promise<void> {
  const part = `${dest}.part`;
  const metaFile = `${part}.json`;
  const fetchImpl = opts.fetchImpl ?? fetch;
  await fsp.mkdir(path.dirname(dest), { recursive: true });

  // Already downloaded and verified earlier (e.g. an install that failed on another file).
  if ((await sizeOf(dest)) === (opts.size ?? -1) || (opts.size === undefined && (await sizeOf(dest)) > 0)) {
    if ((await sha256File(dest)) === opts.sha256) return;
    await fsp.rm(dest, { force: true });
  }

  let meta = await readMeta(metaFile);
  let have = await sizeOf(part);
  if (!meta || meta.url !== url || meta.sha256 !== opts.sha256 || (opts.size !== undefined && have > opts.size)) {
    await fsp.rm(part, { force: true });
    have = 0;
    meta = { url, sha256: opts.sha256 };
  }

  const complete = opts.size !== undefined && have === opts.size;
  if (!complete) {
    const headers: Record<string, string> = {};
    if (have > 0) {
      headers.Range = `bytes=${have}-`;
      if (meta.validator) headers['If-Range'] = meta.validator;
    }
    let res: Response;
    try {
      res = await fetchImpl(url, { headers, signal: opts.signal, redirect: 'follow' });
    } catch (err) {
      if (opts.signal?.aborted) throw new CancelledError();
      throw new UserError('E_DOWNLOAD', `Download of ${url} failed: ${(err as Error).message}`, 'Check the network and retry; the download resumes where it stopped.');
    }
    let append = false;
    if (res.status === 206 && contentRangeStart(res.headers.get('content-range')) === have) append = true;
    else if (res.status === 416 && have > 0) {
      // Nothing left to fetch: the part file is already complete (verified below).
      append = true;
    } else if (res.status !== 200 && res.status !== 206) {
      throw new UserError('E_DOWNLOAD', `Download of ${url} failed: HTTP ${res.status} ${res.statusText}.`, 'Check the URL in the catalogue and retry.');
    }
    if (!append) have = 0;
    meta.validator = res.headers.get('etag') ?? res.headers.get('last-modified') ?? undefined;
    await fsp.writeFile(metaFile, JSON.stringify(meta));

    if (res.status !== 416 && res.body) {
      const total = opts.size ?? (res.status === 200 ? Number(res.headers.get('content-length') ?? NaN) : NaN);
      const resumedFrom = have;
      const started = Date.now();
      const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
      let received = have;
      try {
        const reader = res.body.getReader();
        while (true) {
          const { done, value } = await reader.read();
          if (done) break;
          if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
          received += value.byteLength;
          if (opts.size !== undefined && received > opts.size) throw new UserError('E_DOWNLOAD_HASH', `Download of ${url} is larger than the expected ${opts.size} bytes.`, 'The catalogue entry is out of date.');
          const secs = Math.max(1e-3, (Date.now() - started) / 1000);
          opts.onProgress?.({ url, received, total, resumedFrom, bytesPerSec: (received - resumedFrom) / secs });
        }
      } catch (err) {
        await new Promise<void>((r) => out.end(() => r()));
        if (err instanceof UserError) {
          await fsp.rm(part, { force: true });
          await fsp.rm(metaFile, { force: true });
          throw err;
        }
        if (opts.signal?.aborted) throw new CancelledError();
        throw new UserError('E_DOWNLOAD', `Download of ${url} was interrupted after ${received} bytes: ${(err as Error).message}`, 'Retry; the download resumes where it stopped.');
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
  }

  const got = await sizeOf(part);
  if (opts.size !== undefined && got < opts.size) {
    throw new UserError('E_DOWNLOAD', `Download of ${url} stopped at ${got} of ${opts.size} bytes.`, 'Retry; the download resumes where it stopped.');
  }
  const actual = await sha256File(part);
  if (actual !== opts.sha256 || (opts.size !== undefined && got !== opts.size)) {
    await fsp.rm(part, { force: true });
    await fsp.rm(metaFile, { force: true });
    throw new UserError(
      'E_DOWNLOAD_HASH',
      `Download of ${url} is corrupt or not the expected file: SHA-256 ${actual} (${got} bytes), expected ${opts.sha256}${opts.size !== undefined ? ` (${opts.size} bytes)` : ''}. It was deleted.`,
      'Retry; if it fails again the catalogue entry or the server copy is wrong.',
    );
  }
  await fsp.rename(part, dest);
  await fsp.rm(metaFile, { force: true });
}
