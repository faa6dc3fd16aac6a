import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256File } from '../../src/main/util/file-hash';
import { CancelledError } from '../../src/main/util/errors';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-hash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('sha256File', () => {
  it('hashes content, not metadata', async () => {
    const a = join(dir, 'a.bin');
    const b = join(dir, 'b.bin');
    await writeFile(a, 'same bytes');
    await writeFile(b, 'same bytes');
    expect(await sha256File(a)).toBe(await sha256File(b));
    await writeFile(b, 'same byteS'); // same size
    expect(await sha256File(a)).not.toBe(await sha256File(b));
    expect(await sha256File(a)).toBe(sha('same bytes'));
  });

  it('equals the in-memory digest for an empty file and one spanning several read chunks', async () => {
    const empty = join(dir, 'empty.bin');
    await writeFile(empty, '');
    expect(await sha256File(empty)).toBe(sha(''));
    const big = Buffer.alloc((1 << 20) * 2 + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const f = join(dir, 'big.bin');
    await writeFile(f, big);
    expect(await sha256File(f)).toBe(sha(big));
  });

  it('throws the fs error for a missing file and CancelledError when aborted', async () => {
    await expect(sha256File(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
    const f = join(dir, 'x.bin');
    await writeFile(f, 'bytes');
    const ac = new AbortController();
    ac.abort();
    await expect(sha256File(f, ac.signal)).rejects.toBeInstanceOf(CancelledError);
  });
});
