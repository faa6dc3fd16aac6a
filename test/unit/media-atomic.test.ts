import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTempFile, tempPathNextTo, writeFileAtomic } from '../../src/main/util/atomic';
import { cleanupTestMedia, makeTempDir } from '../helpers/genmedia';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('atomic-test-');
});
afterAll(cleanupTestMedia);

describe('atomic file helpers', () => {
  it('makes hidden unique temp names next to the target, keeping the extension', () => {
    const a = tempPathNextTo('/out/dir/clip.mp4');
    const b = tempPathNextTo('/out/dir/clip.mp4');
    expect(path.dirname(a)).toBe('/out/dir');
    expect(path.basename(a)).toMatch(new RegExp(`^\\.clip\\.mp4\\.tmp-${process.pid}-[0-9a-f]{8}\\.mp4$`));
    expect(a).not.toBe(b);
    expect(tempPathNextTo('/o/a.json', '')).toMatch(/\/\.a\.json\.tmp-\d+-[0-9a-f]{8}$/);
  });

  it('writeFileAtomic writes, replaces an existing file and leaves no temp file', async () => {
    const target = path.join(dir, 'result.json');
    await writeFileAtomic(target, '{"v":1}');
    await writeFileAtomic(target, new Uint8Array([123, 125]));
    expect(await fsp.readFile(target, 'utf8')).toBe('{}');
    expect(await fsp.readdir(dir)).toEqual(['result.json']);
  });

  it('writeFileAtomic failure rejects with the fs error and leaves nothing', async () => {
    const target = path.join(dir, 'missing-folder', 'x.json');
    await expect(writeFileAtomic(target, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(path.dirname(target))).toBe(false);
  });

  it('commitTempFile removes the temp file when the rename fails', async () => {
    const tmp = path.join(dir, '.tmp-commit');
    await fsp.writeFile(tmp, 'data');
    const targetIsFolder = path.join(dir, 'a-folder');
    await fsp.mkdir(path.join(targetIsFolder, 'child'), { recursive: true });
    await expect(commitTempFile(tmp, targetIsFolder)).rejects.toBeTruthy();
    expect(existsSync(tmp)).toBe(false);
  });
});
