/**
 * SHA-256 of files, streamed (packs hold multi-GB graphs).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Feeds bytes [0, end) of `file` into `hash` (all of it when `end` is undefined).
 * @throws the `fs` error (ENOENT, EACCES...) when the file cannot be read.
 */
export async function hashFileInto(hash: Hash, file: string, end?: number): Promise<void> {
  if (end === 0) return;
  const stream = createReadStream(file, end === undefined ? {} : { start: 0, end: end - 1 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}

/** Lower-case hex SHA-256 of a whole file. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await hashFileInto(h, file);
  return h.digest('hex');
}
