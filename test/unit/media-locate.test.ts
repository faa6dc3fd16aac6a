import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateFfmpeg, locateFfmpegWith, type LocateDeps } from '../../src/main/media/locate';
import { UserError } from '../../src/main/util/errors';

function deps(files: string[], env: Record<string, string>, staticPath: string | null = null): LocateDeps {
  const set = new Set(files);
  return { env, platform: 'linux', isFile: (f) => set.has(f), ffmpegStaticPath: () => staticPath };
}

function catchErr(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('locateFfmpegWith', () => {
  const onPath = ['/usr/bin/ffmpeg', '/usr/bin/ffprobe'];

  it('prefers FFMPEG_PATH and takes ffprobe from next to it', () => {
    const d = deps([...onPath, '/opt/ff/ffmpeg', '/opt/ff/ffprobe', '/nm/ffmpeg'], { FFMPEG_PATH: '/opt/ff/ffmpeg', PATH: '/usr/bin' }, '/nm/ffmpeg');
    expect(locateFfmpegWith(d)).toEqual({
      ffmpeg: '/opt/ff/ffmpeg', ffprobe: '/opt/ff/ffprobe', source: 'env',
    });
  });

  it('uses FFPROBE_PATH over the sibling, and PATH when there is no sibling', () => {
    const base = [...onPath, '/opt/ff/ffmpeg', '/opt/ff/ffprobe', '/x/ffprobe'];
    expect(locateFfmpegWith(deps(base, { FFMPEG_PATH: '/opt/ff/ffmpeg', FFPROBE_PATH: '/x/ffprobe', PATH: '/usr/bin' })).ffprobe).toBe('/x/ffprobe');
    expect(locateFfmpegWith(deps([...onPath, '/opt/ff/ffmpeg'], { FFMPEG_PATH: '/opt/ff/ffmpeg', PATH: '/usr/bin' })).ffprobe).toBe('/usr/bin/ffprobe');
  });

  it('rejects an FFMPEG_PATH that does not exist instead of silently using another ffmpeg', () => {
    const err = catchErr(() => locateFfmpegWith(deps(onPath, { FFMPEG_PATH: '/nope/ffmpeg', PATH: '/usr/bin' })));
    expect(err.code).toBe('E_NO_FFMPEG');
    expect(err.message).toContain('/nope/ffmpeg');
    expect(err.hint).toMatch(/FFMPEG_PATH/);
  });

  it('uses ffmpeg-static next, only when its binary exists, with ffprobe from PATH', () => {
    expect(locateFfmpegWith(deps([...onPath, '/nm/ffmpeg-static/ffmpeg'], { PATH: '/usr/bin' }, '/nm/ffmpeg-static/ffmpeg'))).toEqual({
      ffmpeg: '/nm/ffmpeg-static/ffmpeg', ffprobe: '/usr/bin/ffprobe', source: 'ffmpeg-static',
    });
    expect(locateFfmpegWith(deps(onPath, { PATH: '/usr/bin' }, '/nm/ffmpeg-static/ffmpeg')).source).toBe('PATH');
  });

  it('searches PATH folders in order', () => {
    const d = deps(['/b/ffmpeg', '/b/ffprobe', '/c/ffmpeg'], { PATH: '/a:/b:/c' });
    expect(locateFfmpegWith(d)).toEqual({ ffmpeg: '/b/ffmpeg', ffprobe: '/b/ffprobe', source: 'PATH' });
  });

  it('finds .exe on Windows PATH', () => {
    const exe = path.join('C:\\ff', 'ffmpeg.exe');
    const probe = path.join('C:\\ff', 'ffprobe.exe');
    const d: LocateDeps = { ...deps([exe, probe], { Path: 'C:\\ff' }), platform: 'win32' };
    expect(locateFfmpegWith(d)).toEqual({ ffmpeg: exe, ffprobe: probe, source: 'PATH' });
  });

  it('names all three places and the fix when nothing is found', () => {
    const err = catchErr(() => locateFfmpegWith(deps([], { PATH: '/usr/bin' })));
    expect(err.code).toBe('E_NO_FFMPEG');
    expect(err.message).toMatch(/FFMPEG_PATH/);
    expect(err.message).toMatch(/ffmpeg-static/);
    expect(err.message).toMatch(/PATH/);
    expect(err.hint).toMatch(/apt-get install ffmpeg/);
    expect(err.hint).toMatch(/FFMPEG_PATH/);
  });

  it('fails clearly when ffmpeg exists but ffprobe does not', () => {
    const err = catchErr(() => locateFfmpegWith(deps(['/usr/bin/ffmpeg'], { PATH: '/usr/bin' })));
    expect(err.code).toBe('E_NO_FFMPEG');
    expect(err.message).toMatch(/^ffprobe was not found/);
  });
});

describe('locateFfmpeg (real environment)', () => {
  it('finds working binaries and caches the result', () => {
    const a = locateFfmpeg();
    expect(path.basename(a.ffmpeg)).toMatch(/^ffmpeg/);
    expect(path.basename(a.ffprobe)).toMatch(/^ffprobe/);
    expect(locateFfmpeg()).toBe(a);
  });
});
