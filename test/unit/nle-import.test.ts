import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTimeline } from '../../src/main/nle/export';
import { makeHandoff } from '../../src/main/nle/handoff';
import { detectFormat, findRelinkCandidates, importTimeline, relinkMedia } from '../../src/main/nle/import';
import type { NleTimeline } from '../../src/main/nle/model';
import { rebaseSourceTimecode } from '../../src/main/nle/model';
import { UserError } from '../../src/main/util/errors';
import { ALL_TIMELINES, MEDIA_A } from '../golden/nle/fixtures';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nle-import-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

/** The 23.976 sample timeline with its media paths moved under `root`. */
function withMediaUnder(root: string): NleTimeline {
  const tl = ALL_TIMELINES['2398'];
  return relinkMedia(tl, Object.fromEntries(tl.tracks.flatMap((t) => t.clips.map((c) => [c.mediaPath!, path.join(root, path.basename(c.mediaPath!))]))));
}

describe('format detection', () => {
  it('by content first, then extension', () => {
    const tl = ALL_TIMELINES['25'];
    expect(detectFormat('x.txt', renderTimeline(tl, 'otio'))).toBe('otio');
    expect(detectFormat('x.xml', renderTimeline(tl, 'fcp7'))).toBe('fcp7');
    expect(detectFormat('x.xml', renderTimeline(tl, 'fcpxml'))).toBe('fcpxml');
    expect(detectFormat('x', renderTimeline(tl, 'edl'))).toBe('edl');
    expect(detectFormat('x.json', JSON.stringify(makeHandoff(tl, 'resolve')))).toBe('handoff');
    expect(detectFormat('cut.edl', '\uFEFF001  AX V C 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00')).toBe('edl');
    expect(() => detectFormat('notes.txt', 'hello')).toThrow(UserError);
  });
});

describe('importTimeline', () => {
  it('imports every format from disk and lists missing media for relink', async () => {
    const media = path.join(dir, 'media');
    await fsp.mkdir(media, { recursive: true });
    const tl = withMediaUnder(media);
    // Only two of the five files exist.
    const present = [tl.tracks[0].clips[0].mediaPath!, tl.tracks[2].clips[0].mediaPath!];
    for (const p of present) await fsp.writeFile(p, 'x');
    for (const [format, ext] of [['otio', '.otio'], ['fcp7', '.xml'], ['fcpxml', '.fcpxml']] as const) {
      const file = path.join(dir, `cut${ext}`);
      await fsp.writeFile(file, renderTimeline(tl, format));
      const r = await importTimeline(file);
      expect(r.format).toBe(format);
      expect(r.timeline.tracks.map((t) => t.clips.length)).toEqual([3, 2, 1]);
      expect(r.missingMedia.sort()).toEqual(
        [...new Set(tl.tracks.flatMap((t) => t.clips.map((c) => c.mediaPath!)))].filter((p) => !present.includes(p)).sort(),
      );
    }
  });

  it('reads an .fcpxmld bundle and a Latin-1 EDL', async () => {
    const bundle = path.join(dir, 'Scene.fcpxmld');
    await fsp.mkdir(bundle, { recursive: true });
    await fsp.writeFile(path.join(bundle, 'Info.fcpxml'), renderTimeline(ALL_TIMELINES['25'], 'fcpxml'));
    expect((await importTimeline(bundle)).format).toBe('fcpxml');
    const edl = path.join(dir, 'latin1.edl');
    const text = 'TITLE: Caf\xe9\nFCM: NON-DROP FRAME\n001  AX       V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n* FROM CLIP NAME: Caf\xe9.mov\n';
    await fsp.writeFile(edl, Buffer.from(text, 'latin1'));
    const r = await importTimeline(edl, { edlRate: { num: 24, den: 1 } });
    expect(r.timeline.name).toBe('Café');
    expect(r.unlinkedClips.map((c) => c.name)).toEqual(['Café.mov']);
  });

  it('fails with a UserError for unreadable or unknown files', async () => {
    await expect(importTimeline(path.join(dir, 'nope.otio'))).rejects.toMatchObject({ code: 'E_NLE_READ' });
    const f = path.join(dir, 'x.txt');
    await fsp.writeFile(f, 'not a timeline');
    await expect(importTimeline(f)).rejects.toMatchObject({ code: 'E_NLE_FORMAT' });
    const bad = path.join(dir, 'bad.xml');
    await fsp.writeFile(bad, '<xmeml version="5"><sequence><name>x</sequence></xmeml>');
    await expect(importTimeline(bad)).rejects.toMatchObject({ code: 'E_NLE_XML' });
  });
});

describe('relink', () => {
  it('finds candidates by file name under search folders and relinks them', async () => {
    const found = path.join(dir, 'moved', 'Day 1');
    await fsp.mkdir(found, { recursive: true });
    const target = path.join(found, path.basename(MEDIA_A));
    await fsp.writeFile(target, 'x');
    const c = await findRelinkCandidates([MEDIA_A, 'B002C011_Zoë'], [path.join(dir, 'moved')]);
    expect(c[MEDIA_A]).toEqual([target]);
    expect(c['B002C011_Zoë']).toEqual([]);
    const tl = relinkMedia(ALL_TIMELINES['2398'], { [MEDIA_A]: target });
    expect(tl.tracks[0].clips.map((x) => x.mediaPath)).toEqual([target, ALL_TIMELINES['2398'].tracks[0].clips[1].mediaPath, target]);
    // Frames are untouched by a relink.
    expect(tl.tracks[0].clips[0].sourceIn).toBe(ALL_TIMELINES['2398'].tracks[0].clips[0].sourceIn);
  });

  it('rebases EDL clips once the media start timecode is known', () => {
    const clip = { ...ALL_TIMELINES['25'].tracks[0].clips[0], sourceTimecodeStart: 0, sourceIn: 93116, sourceOut: 93140, sourceTimecodeKnown: false };
    const r = rebaseSourceTimecode(clip, 93100);
    expect(r).toMatchObject({ sourceTimecodeStart: 93100, sourceIn: 16, sourceOut: 40, sourceTimecodeKnown: true });
    expect(() => rebaseSourceTimecode(clip, 93200)).toThrow(UserError);
  });
});
