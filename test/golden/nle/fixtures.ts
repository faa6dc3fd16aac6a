import type { NleClip, NleTimeline } from '../../../src/main/nle/model';
import type { Rational } from '../../../src/main/nle/rate';
import { timecodeToFrames } from '../../../src/main/nle/timecode';

/**
 * Sample timelines for the NLE tests: an original edit (V1 + dialogue stem on A1) with a dubbed
 * track V2 above it at the same record frames, at 23.976, 29.97 DF, 59.94 DF and 25 fps.
 * Paths contain spaces, `#`, `%`, parentheses and non-ASCII letters on purpose.
 */

export const MEDIA_A = '/Volumes/Media/Day 1/A001C003 (take #2) 100%.mov';
export const MEDIA_B = '/Volumes/Media/Day 1/B002C011_Zoë.mov';
export const STEM = '/Volumes/Audio/Reel 1 dialogue stem.wav';
export const DUB_A = '/Volumes/Dub/shots/A001C003_dub_001.mov';
export const DUB_C = '/Volumes/Dub/shots/A001C003_dub_003.mov';

interface Spec {
  name: string;
  rate: Rational;
  dropFrame: boolean;
  start: string;
  srcA: string;
  srcB: string;
  /** Record cut points of V1: clip A [0, c1), gap, clip B [c2, c3), clip A again [c3, c4). */
  cuts: [number, number, number, number];
}

function clip(c: Partial<NleClip> & Pick<NleClip, 'name' | 'mediaPath' | 'sourceIn' | 'sourceOut' | 'recordIn' | 'recordOut'>, s: Spec, srcTc: string): NleClip {
  return {
    mediaRate: s.rate,
    sourceTimecodeStart: timecodeToFrames(srcTc, s.rate, s.dropFrame),
    mediaDropFrame: s.dropFrame,
    ...c,
  };
}

function make(s: Spec): NleTimeline {
  const [c1, c2, c3, c4] = s.cuts;
  const handles = 12;
  const a1 = clip({ name: 'A001C003 (take #2) 100%', mediaPath: MEDIA_A, sourceIn: 500, sourceOut: 500 + c1, recordIn: 0, recordOut: c1, mediaDuration: 5000 }, s, s.srcA);
  const b = clip({ name: 'B002C011_Zoë', mediaPath: MEDIA_B, sourceIn: 37, sourceOut: 37 + (c3 - c2), recordIn: c2, recordOut: c3 }, s, s.srcB);
  const a2 = clip({ name: 'A001C003 (take #2) 100%', mediaPath: MEDIA_A, sourceIn: 2400, sourceOut: 2400 + (c4 - c3), recordIn: c3, recordOut: c4, mediaDuration: 5000 }, s, s.srcA);
  const dub = (orig: NleClip, path: string): NleClip => ({
    ...orig,
    name: `${orig.name} (dub)`,
    mediaPath: path,
    sourceIn: handles,
    sourceOut: handles + (orig.recordOut - orig.recordIn),
    sourceTimecodeStart: orig.sourceTimecodeStart + orig.sourceIn - handles,
    mediaDuration: orig.recordOut - orig.recordIn + 2 * handles,
  });
  const stem: NleClip = {
    name: 'Reel 1 dialogue stem',
    mediaPath: STEM,
    sourceIn: 0,
    sourceOut: c4,
    recordIn: 0,
    recordOut: c4,
    mediaRate: s.rate,
    sourceTimecodeStart: timecodeToFrames(s.start, s.rate, s.dropFrame),
    mediaDropFrame: s.dropFrame,
  };
  return {
    name: s.name,
    rate: s.rate,
    dropFrame: s.dropFrame,
    startTimecodeFrames: timecodeToFrames(s.start, s.rate, s.dropFrame),
    tracks: [
      { kind: 'video', name: 'V1', clips: [a1, b, a2] },
      { kind: 'video', name: 'Dubbed', clips: [dub(a1, DUB_A), dub(a2, DUB_C)] },
      { kind: 'audio', name: 'A1', clips: [stem] },
    ],
    markers: [
      { name: 'Dub 001', recordIn: 0, duration: c1, color: 'green', note: 'seg-1: lines 12-14' },
      { name: 'Dub 003', recordIn: c3 + 5, duration: c4 - c3 - 5, color: 'green', note: 'seg-2' },
    ],
  };
}

export const TL_2398 = make({
  name: 'Scene 12 v3 & <final>',
  rate: { num: 24000, den: 1001 },
  dropFrame: false,
  start: '01:00:00:00',
  srcA: '14:03:22:10',
  srcB: '09:59:58:20',
  cuts: [100, 131, 250, 403],
});

/** 29.97 DF: the cut points straddle the skipped labels at 01:01:00;00-01 and 01:10:00;00. */
export const TL_2997DF = make({
  name: 'Promo 29.97 DF',
  rate: { num: 30000, den: 1001 },
  dropFrame: true,
  start: '01:00:59;20',
  srcA: '00:09:59;00',
  srcB: '23:00:00;00',
  cuts: [10, 11, 30, 17982 + 15],
});

/** 59.94 DF: cuts around 00:01:00;04 (frame 3600) and ten-minute boundaries. */
export const TL_5994DF = make({
  name: 'Sports 59.94 DF',
  rate: { num: 60000, den: 1001 },
  dropFrame: true,
  start: '00:00:59;50',
  srcA: '00:19:59;40',
  srcB: '00:00:00;00',
  cuts: [10, 14, 3600, 35964 + 9],
});

export const TL_25 = make({
  name: 'Feature reel 2',
  rate: { num: 25, den: 1 },
  dropFrame: false,
  start: '10:00:00:00',
  srcA: '00:00:00:00',
  srcB: '01:02:03:04',
  cuts: [48, 60, 61, 1000],
});

export const ALL_TIMELINES: Record<string, NleTimeline> = {
  '2398': TL_2398,
  '2997df': TL_2997DF,
  '5994df': TL_5994DF,
  '25': TL_25,
};
