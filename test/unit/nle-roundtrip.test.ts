import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readEdl } from '../../src/main/nle/edl';
import { renderTimeline, type TimelineFormat } from '../../src/main/nle/export';
import { readFcp7 } from '../../src/main/nle/fcp7';
import { readFcpxml } from '../../src/main/nle/fcpxml';
import { parseTimeline } from '../../src/main/nle/import';
import type { NleTimeline } from '../../src/main/nle/model';
import { readOtio } from '../../src/main/nle/otio';
import { framesToTimecode } from '../../src/main/nle/timecode';
import { ALL_TIMELINES, DUB_A, DUB_C, MEDIA_A, MEDIA_B, STEM } from '../golden/nle/fixtures';

/**
 * Export each format and parse it back: every cut point must survive to the frame, as absolute
 * timecode on both sides of the cut (record and source), with the media path intact.
 */

function read(format: TimelineFormat, text: string, like: NleTimeline): NleTimeline {
  switch (format) {
    case 'otio':
      return readOtio(text).timeline;
    case 'fcp7':
      return readFcp7(text).timeline;
    case 'fcpxml':
      return readFcpxml(text).timeline;
    case 'edl':
      return readEdl(text, { rate: like.rate, startTimecodeFrames: like.startTimecodeFrames }).timeline;
  }
}

/** One line per clip: track, record in/out and source in/out as timecode labels, media path. */
function cuts(t: NleTimeline, only?: { kind: 'video'; index: number }): string[] {
  const out: string[] = [];
  for (const kind of ['video', 'audio'] as const) {
    t.tracks
      .filter((tr) => tr.kind === kind)
      .forEach((tr, i) => {
        if (only && (kind !== only.kind || i + 1 !== only.index)) return;
        for (const c of tr.clips) {
          const rec = (f: number) => framesToTimecode(t.startTimecodeFrames + f, t.rate, t.dropFrame);
          const src = (f: number) => framesToTimecode(c.sourceTimecodeStart + f, c.mediaRate, c.mediaDropFrame);
          out.push(`${only ? '' : `${kind[0].toUpperCase()}${i + 1} `}${rec(c.recordIn)}-${rec(c.recordOut)} src ${src(c.sourceIn)}-${src(c.sourceOut)} ${c.mediaPath}`);
        }
      });
  }
  return out;
}

describe.each(Object.entries(ALL_TIMELINES))('round trip, %s timeline', (_key, tl) => {
  it.each(['otio', 'fcp7', 'fcpxml'] as const)('%s: every clip, track and cut point survives', (format) => {
    const back = read(format, renderTimeline(tl, format), tl);
    expect(back.rate).toEqual(tl.rate);
    expect(back.dropFrame).toBe(tl.dropFrame);
    expect(back.startTimecodeFrames).toBe(tl.startTimecodeFrames);
    expect(cuts(back)).toEqual(cuts(tl));
    expect(back.tracks.map((t) => t.clips.map((c) => c.mediaPath))).toEqual(tl.tracks.map((t) => t.clips.map((c) => c.mediaPath)));
    expect(back.markers.map((m) => [m.name, m.recordIn, m.duration])).toEqual(tl.markers.map((m) => [m.name, m.recordIn, m.duration]));
  });

  it.each(['otio', 'fcp7', 'fcpxml', 'edl'] as const)('%s: writing what was read gives the same file', (format) => {
    const text = renderTimeline(tl, format);
    expect(renderTimeline(read(format, text, tl), format)).toBe(text);
  });

  it('edl: the dubbed track (and V1 on request) survives with source timecode and path', () => {
    const top = readEdl(renderTimeline(tl, 'edl'), { rate: tl.rate, startTimecodeFrames: tl.startTimecodeFrames }).timeline;
    expect(cuts(top, { kind: 'video', index: 1 })).toEqual(cuts(tl, { kind: 'video', index: 2 }));
    expect(top.markers.map((m) => [m.name, m.note, m.recordIn])).toEqual(tl.markers.map((m) => [m.name, m.note, m.recordIn]));
    const v1 = readEdl(renderTimeline(tl, 'edl', { edlVideoTrack: 1 }), { rate: tl.rate }).timeline;
    // Without a start timecode the EDL reader assumes the whole hour before the first event;
    // absolute record timecode is what must survive.
    expect(cuts(v1, { kind: 'video', index: 1 })).toEqual(cuts(tl, { kind: 'video', index: 1 }));
  });

  it('survives a chain through every format (otio -> fcp7 -> fcpxml -> otio)', () => {
    let t = tl;
    for (const f of ['otio', 'fcp7', 'fcpxml', 'otio'] as const) t = read(f, renderTimeline(t, f), t);
    expect(cuts(t)).toEqual(cuts(tl));
  });
});

describe('round trip checks can fail', () => {
  const tl = ALL_TIMELINES['2997df'];
  it('a one-frame change in an exported file is caught', () => {
    const text = renderTimeline(tl, 'fcp7');
    const moved = text.replace('<start>11</start>', '<start>12</start>');
    expect(moved).not.toBe(text);
    expect(cuts(readFcp7(moved).timeline)).not.toEqual(cuts(tl));
  });
  it('a dropped-frame label mistake in an EDL is caught', () => {
    const text = renderTimeline(tl, 'edl');
    const shifted = text.replace('01:01:00;02', '01:01:00;03');
    expect(cuts(readEdl(shifted, { rate: tl.rate }).timeline, { kind: 'video', index: 1 })).not.toEqual(cuts(tl, { kind: 'video', index: 2 }));
  });
});

describe('media paths in exported timelines', () => {
  it('decode back to the exact paths (spaces, #, %, parentheses, non-ASCII)', () => {
    const tl = ALL_TIMELINES['2398'];
    const want = new Set([MEDIA_A, MEDIA_B, STEM, DUB_A, DUB_C]);
    for (const f of ['otio', 'fcp7', 'fcpxml'] as const) {
      const back = read(f, renderTimeline(tl, f), tl);
      expect(new Set(back.tracks.flatMap((t) => t.clips.map((c) => c.mediaPath)))).toEqual(want);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Files as NLEs write them (hand-made to the patterns of Premiere, Final Cut Pro, Resolve, Avid).

const INPUT = fileURLToPath(new URL('../golden/nle/input/', import.meta.url));
const input = (name: string) => readFileSync(INPUT + name, 'utf8');

function brief(t: NleTimeline): string[] {
  return t.tracks.flatMap((tr) => tr.clips.map((c) => `${tr.name} ${c.recordIn}-${c.recordOut} ${c.sourceIn}-${c.sourceOut} tc${c.sourceTimecodeStart} ${c.mediaPath}`));
}

describe('reading NLE-written files', () => {
  it('Premiere FCP7 XML at 29.97 DF: transitions, file references, D%3a paths, disabled items', () => {
    const { timeline, warnings } = parseTimeline(input('premiere-2997df.xml'), 'fcp7');
    expect(timeline.rate).toEqual({ num: 30000, den: 1001 });
    expect(timeline.dropFrame).toBe(true);
    expect(framesToTimecode(timeline.startTimecodeFrames, timeline.rate, true)).toBe('00:59:59;00');
    expect(brief(timeline)).toEqual([
      'V1 0-330 1800-2130 tc1510434 D:\\Shoot Day 2\\INT_cam A.mov',
      'V1 330-690 585-945 tc1510790 /Users/editor/Media/INT_cam B.mov',
      'V1 690-1020 2400-2730 tc1510434 D:\\Shoot Day 2\\INT_cam A.mov',
      'A1 0-330 1800-2130 tc1510434 D:\\Shoot Day 2\\INT_cam A.mov',
    ]);
    expect(framesToTimecode(1510790, timeline.rate, true)).toBe('14:00:10;02');
    expect(timeline.markers).toEqual([{ name: 'ADR 12', note: 'check lip sync', recordIn: 400, duration: 1, color: 'red' }]);
    expect(warnings).toHaveLength(2);
  });

  it('Final Cut Pro FCPXML at 23.976: connected clips, clip/video, gaps, secondary storyline, transition', () => {
    const { timeline, warnings } = parseTimeline(input('fcp-2398.fcpxml'), 'fcpxml');
    expect(timeline.rate).toEqual({ num: 24000, den: 1001 });
    expect(timeline.startTimecodeFrames).toBe(86400);
    expect(brief(timeline)).toEqual([
      'V1 0-48 24-72 tc86400 /Volumes/RAID/Show Name/A003_C012.mov',
      'V1 48-72 12-36 tc0 /Volumes/RAID/Show Name/B001_C004.mov',
      'V1 96-120 120-144 tc86400 /Volumes/RAID/Show Name/A003_C012.mov',
      'V2 12-24 0-12 tc0 /Volumes/RAID/Show Name/Insert #1.mov',
      'V2 72-78 144-150 tc86400 /Volumes/RAID/Show Name/A003_C012.mov',
      'V2 78-84 6-12 tc0 /Volumes/RAID/Show Name/Insert #1.mov',
      'A1 96-120 120-144 tc86400 /Volumes/RAID/Show Name/A003_C012.mov',
    ]);
    expect(timeline.markers.map((m) => [m.name, m.note, m.recordIn])).toEqual([['Lip sync check', 'line 3', 12]]);
    expect(warnings).toEqual([]);
  });

  it('Resolve OTIO at 23.976: Clip.1 and Clip.2, float rates, gaps, transition, compound and offline clips', () => {
    const { timeline, warnings } = parseTimeline(input('resolve-2398.otio'), 'otio');
    expect(timeline.rate).toEqual({ num: 24000, den: 1001 });
    expect(timeline.startTimecodeFrames).toBe(86400);
    expect(brief(timeline)).toEqual([
      'Video 1 10-60 20-70 tc1087200 C:\\Footage\\Day 3\\A001_C002.mov',
      'Video 1 60-90 100-130 tc0 /Volumes/Footage/B002_C001 (alt).mov',
      'Video 1 110-122 5-17 tc0 null',
      'Audio 1 0-60 10-70 tc1087200 C:\\Footage\\Day 3\\A001_C002.mov',
    ]);
    expect(timeline.markers.map((m) => [m.name, m.recordIn, m.duration, m.color])).toEqual([
      ['blink', 20, 2, 'red'],
      ['Scene 5', 60, 1, 'blue'],
    ]);
    expect(warnings).toEqual(['A Stack item in track "Video 1" was left out (only clips and gaps are read).']);
  });

  it('Avid CMX 3600 EDL at 25: black, dissolve pair, M2, audio channels, locators, CRLF', () => {
    const { timeline, warnings } = parseTimeline(input('avid-25.edl'), 'edl', { edlRate: { num: 25, den: 1 } });
    expect(timeline.name).toBe('REEL_2_LOCK_v7');
    expect(timeline.startTimecodeFrames).toBe(900000);
    const abs = (f: number) => framesToTimecode(f, timeline.rate);
    expect(timeline.tracks.map((t) => `${t.name}: ${t.clips.map((c) => `${abs(timeline.startTimecodeFrames + c.recordIn)} ${abs(c.sourceIn)} ${c.name}`).join(', ')}`)).toEqual([
      'V1: 10:00:02:00 14:22:10:05 A012C004_220310_R1AB.mov, 10:00:05:00 09:01:00:00 B007C002_220311_R2CD.mov, 10:00:09:00 14:25:00:00 A012C004_220310_R1AB.mov',
      'A1: 10:00:09:00 14:25:00:00 A012C004_220310_R1AB.mov',
      'A2: 10:00:02:00 00:00:00:00 temp music.wav, 10:00:09:00 14:25:00:00 A012C004_220310_R1AB.mov',
    ]);
    expect(timeline.tracks[0].clips.map((c) => c.mediaPath)).toEqual([null, '/Volumes/Lock/B007C002_220311_R2CD.mov', null]);
    expect(timeline.tracks[0].clips.every((c) => c.sourceTimecodeKnown === false)).toBe(true);
    expect(timeline.markers).toEqual([{ name: 'ADR check', note: '', color: 'yellow', recordIn: 87, duration: 1 }]);
    expect(warnings).toEqual(['Line 13: speed change (M2) ignored; the clip is read at normal speed.']);
  });
});
