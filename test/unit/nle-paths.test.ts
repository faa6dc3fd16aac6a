import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileUrlToPath, pathToFileUrl } from '../../src/main/nle/paths';
import { UserError } from '../../src/main/util/errors';

describe('file URLs for NLE media references', () => {
  it('percent-encodes every segment (spaces, #, %, ?, parentheses, non-ASCII)', () => {
    const p = '/Volumes/Media/Day 1/A001 (take #2) 100%?.mov';
    expect(pathToFileUrl(p)).toBe('file:///Volumes/Media/Day%201/A001%20%28take%20%232%29%20100%25%3F.mov');
    expect(pathToFileUrl('/a/Zoë/é.mov')).toBe('file:///a/Zo%C3%AB/%C3%A9.mov');
    expect(pathToFileUrl(p, { localhost: true })).toBe('file://localhost/Volumes/Media/Day%201/A001%20%28take%20%232%29%20100%25%3F.mov');
  });

  it('agrees with Node (WHATWG URL) on what the URL means', () => {
    for (const p of ['/Volumes/Media/Day 1/A001 (take #2) 100%.mov', '/tmp/Zoë & co/[x] {y}.mov', '/a/b;c=d,e.mov']) {
      const ours = new URL(pathToFileUrl(p));
      expect(decodeURIComponent(ours.pathname)).toBe(p);
      expect(decodeURIComponent(ours.pathname)).toBe(decodeURIComponent(pathToFileURL(p).pathname));
    }
  });

  it('round-trips POSIX, Windows drive and UNC paths', () => {
    for (const p of ['/x/y z.mov', '/Volumes/Ünïcødé/#1.wav']) expect(fileUrlToPath(pathToFileUrl(p))).toBe(p);
    expect(pathToFileUrl('C:\\Footage\\Day 3\\a.mov')).toBe('file:///C:/Footage/Day%203/a.mov');
    expect(fileUrlToPath('file:///C:/Footage/Day%203/a.mov')).toBe('C:\\Footage\\Day 3\\a.mov');
    expect(pathToFileUrl('\\\\nas\\media\\a b.mov')).toBe('file://nas/media/a%20b.mov');
    expect(fileUrlToPath('file://nas/media/a%20b.mov')).toBe('\\\\nas\\media\\a b.mov');
  });

  it('reads what Premiere, Resolve and FCP write', () => {
    expect(fileUrlToPath('file://localhost/D%3a/media/sc01_sh010_anim.mov')).toBe('D:\\media\\sc01_sh010_anim.mov');
    expect(fileUrlToPath('  file://localhost/Users/ed/My%20Movie.mov\n')).toBe('/Users/ed/My Movie.mov');
    expect(fileUrlToPath('file:/Users/ed/a.mov')).toBe('/Users/ed/a.mov');
    expect(fileUrlToPath('/plain/path with space.mov')).toBe('/plain/path with space.mov');
  });

  it('rejects relative paths, remote URLs and broken escapes', () => {
    expect(() => pathToFileUrl('media/a.mov')).toThrow(UserError);
    expect(() => fileUrlToPath('https://example.com/a.mov')).toThrow(UserError);
    expect(() => fileUrlToPath('file:///a%ZZb.mov')).toThrow(UserError);
  });
});
