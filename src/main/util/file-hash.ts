import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { throwIfAborted } from './errors';

/**
 * SHA-256 of a file's bytes, as lower-case hex, read as a stream (constant memory, any file size:
 * model packs hold multi-GB graphs). The one streaming file hash: model pack verification and
 * downloads, and the tracker's content-addressed cache key.
 * @throws the fs error (ENOENT, EACCES, ...) when the file cannot be read; `CancelledError` when
 *   `signal` aborts (checked before each chunk).
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      throwIfAborted(signal);
      hash.update(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return hash.digest('hex');
}
