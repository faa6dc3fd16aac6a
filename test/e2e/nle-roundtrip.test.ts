import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { makeTempDir, makeTestVideo, makeTone, cleanupTestMedia } from '../helpers/genmedia';
import { syntheticTracking } from '../helpers/synthetic-face';
import { storeTracking } from '../../src/main/pipeline/tracking-stage';
import { nleRoundTrip } from '../../src/main/pipeline/nle-roundtrip';
import { probeMedia } from '../../src/main/media/probe';
import { writeOtio } from '../../src/main/nle/otio';
import { importTimeline } from '../../src/main/nle/import';
import { listClips, type NleTimeline } from '../../src/main/nle/model';
import { makeRate } from '../../src/main/nle/rate';

describe('NLE round trip: timeline in, dubbed shots and timelines out', () => {
  let dir: string;
  let media: string;
  let stem: string;
  let cacheDir: string;
  beforeAll(async () => {
    dir = await makeTempDir('roundtrip-');
    cacheDir = path.join(dir, 'cache');
    media = await makeTestVideo({ width: 160, height: 128, fps: 25, seconds: 4, withAudio: true, dir });
    stem = await makeTone({ seconds: 3, freq: 600, dir });
    const info = await probeMedia(media);
    await storeTracking(info, syntheticTracking(160, 128, info.frameCount), cacheDir);
  });
  afterAll(cleanupTestMedia);

  it('dubs the shot under the stem and places it on a new track at the same record frames, in every format', async () => {
    const rate = makeRate(25);
    const clip = { name: 'shot A', mediaPath: media, sourceIn: 20, sourceOut: 70, recordIn: 100, recordOut: 150, mediaRate: rate, sourceTimecodeStart: 0, mediaDropFrame: false };
    const timeline: NleTimeline = {
      name: 'cut', rate, dropFrame: false, startTimecodeFrames: 90000, markers: [],
      tracks: [{ kind: 'video', name: 'V1', clips: [clip] }],
    };
    const otio = path.join(dir, 'cut.otio');
    await fsp.writeFile(otio, writeOtio(timeline));
    const out = path.join(dir, 'out');
    // The stem starts at 01:00:03:00 = timeline frame 75, so it covers record frames 75-150.
    const r = await nleRoundTrip({ timeline: otio, stem, stemTimecode: '01:00:03:00', outDir: out, codec: 'prores_hq', handles: 5, cacheDir });
    expect(r.shots).toHaveLength(1);
    for (const f of ['otio', 'fcp7', 'fcpxml', 'edl'] as const) await expect(fsp.access(r.files[f]!)).resolves.toBeUndefined();

    const back = await importTimeline(r.files.otio!);
    expect(back.missingMedia).toEqual([]);
    const v = listClips(back.timeline).filter((c) => c.trackKind === 'video');
    const orig = v.find((c) => c.trackIndex === 1)!.clip;
    const dubbed = v.find((c) => c.trackIndex === 2)!.clip;
    expect([orig.recordIn, orig.recordOut]).toEqual([100, 150]);
    expect([dubbed.recordIn, dubbed.recordOut]).toEqual([100, 150]);
    const shotInfo = await probeMedia(dubbed.mediaPath!);
    expect(shotInfo.codec).toBe('prores');
    expect(shotInfo.bitDepth).toBe(10);
    expect(shotInfo.frameCount).toBe(60); // 50 frames + 5 handles each side
    const fcp7 = await importTimeline(r.files.fcp7!);
    const d7 = listClips(fcp7.timeline).filter((c) => c.trackKind === 'video' && c.trackIndex === 2)[0].clip;
    expect([d7.recordIn, d7.recordOut]).toEqual([100, 150]);
    expect(fcp7.missingMedia).toEqual([]);
  });

  it('says which media is missing instead of failing later', async () => {
    const rate = makeRate(25);
    const timeline: NleTimeline = {
      name: 'cut', rate, dropFrame: false, startTimecodeFrames: 90000, markers: [],
      tracks: [{ kind: 'video', name: 'V1', clips: [{ name: 'gone', mediaPath: path.join(dir, 'gone.mov'), sourceIn: 0, sourceOut: 50, recordIn: 75, recordOut: 125, mediaRate: rate, sourceTimecodeStart: 0, mediaDropFrame: false }] }],
    };
    const otio = path.join(dir, 'missing.otio');
    await fsp.writeFile(otio, writeOtio(timeline));
    await expect(nleRoundTrip({ timeline: otio, stem, stemTimecode: '01:00:03:00', outDir: path.join(dir, 'o2'), cacheDir })).rejects.toThrow(/missing or unlinked: .*gone\.mov/);
  });
});
