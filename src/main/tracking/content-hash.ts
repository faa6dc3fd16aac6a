import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { throwIfAborted } from '../util/errors';

/**
 * SHA-256 (hex) of a file's bytes, read as a stream (constant memory, any file size).
 * Throws the fs error (ENOENT, EACCES, ...) when the file cannot be read, `CancelledError` when
 * `signal` aborts.
 */
export async function hashFile(path: string, signal?: AbortSignal): Promise<string> {
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
