import { promises as fsp, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDubbedTimeline, safeFileName, writeTimelineFiles } from '../../src/main/nle/export';
import { makeSendBack, parseSendBack } from '../../src/main/nle/handoff';
import type { NleTimeline } from '../../src/main/nle/model';
import { UserError } from '../../src/main/util/errors';
import { TL_2398 } from '../golden/nle/fixtures';

/** The 23.976 sample without its dubbed track: V1 (3 clips), A1 (stem). */
const original: NleTimeline = { ...TL_2398, tracks: TL_2398.tracks.filter((t) => t.name !== 'Dubbed'), markers: [] };
const [a1, b, a2] = original.tracks[0].clips;

describe('buildDubbedTimeline', () => {
  it('puts each dubbed shot on a new video track above the others, same record frames, handles as source offset', () => {
    const t = buildDubbedTimeline(original, [
      { originalClip: a2, dubbedMediaPath: '/dub/3.mov', handles: { head: 10, tail: 4 } },
      { originalClip: a1, dubbedMediaPath: '/dub/1.mov', handles: 12, segments: [{ name: 'seg-1', recordIn: 20, recordOut: 60, note: 'x' }] },
    ]);
    expect(t.tracks.map((x) => `${x.kind}:${x.name}`)).toEqual(['video:V1', 'video:Dubbed', 'audio:A1']);
    const dub = t.tracks[1].clips;
    expect(dub.map((c) => [c.mediaPath, c.recordIn, c.recordOut, c.sourceIn, c.sourceOut, c.mediaDuration])).toEqual([
      ['/dub/1.mov', a1.recordIn, a1.recordOut, 12, 12 + 100, 12 + 100 + 12],
      ['/dub/3.mov', a2.recordIn, a2.recordOut, 10, 10 + 153, 10 + 153 + 4],
    ]);
    // Same absolute source timecode at the cut as the original clip.
    expect(dub[0].sourceTimecodeStart + dub[0].sourceIn).toBe(a1.sourceTimecodeStart + a1.sourceIn);
    expect(t.markers.map((m) => [m.name, m.recordIn, m.duration, m.color])).toEqual([
      ['seg-1', 20, 40, 'green'],
      ['A001C003 (take #2) 100% dub', a2.recordIn, a2.recordOut - a2.recordIn, 'green'],
    ]);
  });

  it('overlapping shots (from two tracks) go to a second dubbed track; names never collide', () => {
    const withDub = { ...original, tracks: [...original.tracks.slice(0, 1), { kind: 'video' as const, name: 'Dubbed', clips: [] }, ...original.tracks.slice(1)] };
    const t = buildDubbedTimeline(withDub, [
      { originalClip: a1, dubbedMediaPath: '/dub/1.mov', handles: 0 },
      { originalClip: { ...a1, name: 'upper' }, dubbedMediaPath: '/dub/1b.mov', handles: 0 },
      { originalClip: b, dubbedMediaPath: '/dub/2.mov', handles: 0 },
    ]);
    expect(t.tracks.map((x) => x.name)).toEqual(['V1', 'Dubbed', 'Dubbed 2', 'Dubbed 3', 'A1']);
    expect(t.tracks[2].clips.map((c) => c.mediaPath)).toEqual(['/dub/1.mov', '/dub/2.mov']);
    expect(t.tracks[3].clips.map((c) => c.mediaPath)).toEqual(['/dub/1b.mov']);
  });

  it('refuses retimed clips', () => {
    expect(() => buildDubbedTimeline(original, [{ originalClip: { ...a1, sourceOut: a1.sourceOut + 10 }, dubbedMediaPath: '/d.mov', handles: 0 }])).toThrow(UserError);
  });
});

describe('timeline files', () => {
  it('writes all four formats atomically with safe names', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nle-export-'));
    const files = await writeTimelineFiles(TL_2398, dir, 'Scene 12: v3/final?');
    expect(Object.keys(files).sort()).toEqual(['edl', 'fcp7', 'fcpxml', 'otio']);
    expect(readdirSync(dir).sort()).toEqual(['Scene 12_ v3_final_.edl', 'Scene 12_ v3_final_.fcpxml', 'Scene 12_ v3_final_.otio', 'Scene 12_ v3_final_.xml']);
    await fsp.rm(dir, { recursive: true, force: true });
    expect(safeFileName('..\u0001')).toBe('_');
  });

  it('send-back manifest lists the dubbed shots with their markers and validates', () => {
    const sb = makeSendBack(TL_2398, 'Dubbed');
    expect(sb.shots.map((s) => [s.recordIn, s.recordOut, s.sourceIn, s.sourceOut, s.markers.length])).toEqual([
      [0, 100, 12, 112, 1],
      [250, 403, 12, 165, 1],
    ]);
    expect(parseSendBack(JSON.stringify(sb))).toEqual(sb);
    expect(() => parseSendBack(JSON.stringify({ ...sb, shots: [{ ...sb.shots[0], sourceOut: 999 }] }))).toThrow(UserError);
    expect(() => makeSendBack(TL_2398, 'V9')).toThrow(UserError);
  });
});
