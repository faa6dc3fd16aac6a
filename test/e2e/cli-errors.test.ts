import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { makeTempDir, makeTestVideo, makeTone, cleanupTestMedia } from '../helpers/genmedia';
import { repoRoot } from '../helpers/shared-media';

const root = repoRoot();
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function dub(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(tsx, [path.join(root, 'src/main/cli/dub.ts'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dub CLI: bad input gets a clear message, a non-zero exit and no output', () => {
  let dir: string;
  let video: string;
  let tone: string;
  let text: string;
  let cache: string;
  beforeAll(async () => {
    dir = await makeTempDir('cli-err-');
    cache = path.join(dir, 'cache');
    video = await makeTestVideo({ width: 96, height: 64, fps: 25, seconds: 1, withAudio: true, dir });
    tone = await makeTone({ seconds: 1, freq: 300, dir });
    text = path.join(dir, 'notes.txt');
    await fsp.writeFile(text, 'not media');
  });
  afterAll(cleanupTestMedia);

  const expectClean = async (r: ReturnType<typeof dub>, pattern: RegExp, out: string) => {
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /m);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
    await expect(fsp.access(out)).rejects.toThrow();
    expect((await fsp.readdir(path.dirname(out))).filter((f) => f.includes('.tmp-'))).toEqual([]);
  };

  it('missing video file', async () => {
    const out = path.join(dir, 'o1.mp4');
    await expectClean(dub(['--video', path.join(dir, 'nope.mp4'), '--audio', tone, '--out', out]), /nope\.mp4/, out);
  });

  it('a file with no video stream', async () => {
    const out = path.join(dir, 'o2.mp4');
    await expectClean(dub(['--video', tone, '--audio', tone, '--out', out]), /video/i, out);
  });

  it('unreadable audio', async () => {
    const out = path.join(dir, 'o3.mp4');
    await expectClean(dub(['--video', video, '--audio', text, '--out', out]), /notes\.txt/, out);
  });

  it('output path equal to the input', async () => {
    const r = dub(['--video', video, '--audio', tone, '--out', video]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is one of the inputs/);
  });

  it('output folder not writable / missing', async () => {
    const out = path.join(dir, 'missing-folder', 'o.mp4');
    const r = dub(['--video', video, '--audio', tone, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Cannot write to the output folder/);
  });

  it('range outside the clip', async () => {
    const out = path.join(dir, 'o5.mp4');
    await expectClean(dub(['--video', video, '--audio', tone, '--out', out, '--from', '0.5', '--to', '7']), /outside the clip/, out);
  });

  it('no face anywhere in the clip', async () => {
    const out = path.join(dir, 'o6.mp4');
    await expectClean(dub(['--video', video, '--audio', tone, '--out', out, '--from', '0', '--to', '1', '--cache', cache]), /face/i, out);
  });

  it('unknown engine parameter lists the valid ones; --json reports errors as JSON', async () => {
    const out = path.join(dir, 'o7.mp4');
    const r = dub(['--video', video, '--audio', tone, '--out', out, '--param', 'lambdaZ=2', '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, code: 'E_PARAM' });
    expect(j.hint).toMatch(/lambdaA/);
  });
});
