import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from '../../src/main/media/locate';
import { exportDubbedShots } from '../../src/main/nle/export';
import { readSendBack } from '../../src/main/nle/handoff';
import { importTimeline } from '../../src/main/nle/import';
import { exportShotMedia } from '../../src/main/nle/media-export';
import type { NleClip, NleTimeline } from '../../src/main/nle/model';
import { parseXml, descendants } from '../../src/main/nle/xml';
import { fileUrlToPath } from '../../src/main/nle/paths';
import { framesToTimecode, timecodeToFrames } from '../../src/main/nle/timecode';

/** Integration tests against the real ffmpeg/ffprobe (ffmpeg 5.1+ with libx264 and prores_ks). */

let dir: string;
let ffmpeg: string;
let ffprobe: string;
const R25 = { num: 25, den: 1 };
const R2997 = { num: 30000, den: 1001 };

function run(bin: string, args: string[]): string {
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function probe(file: string): { streams: Array<Record<string, unknown> & { tags?: Record<string, string> }> } {
  return JSON.parse(
    run(ffprobe, ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,profile,pix_fmt,bits_per_raw_sample,nb_read_frames,r_frame_rate:stream_tags=timecode', '-of', 'json', file]),
  );
}

/** Frame `n` of `file` as 8-bit gray pixels. */
function grayFrame(file: string, n: number): Buffer {
  return execFileSync(ffmpeg, ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 20 });
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

let src25: string;
let src2997: string;

beforeAll(async () => {
  ({ ffmpeg, ffprobe } = locateFfmpeg());
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nle media #1 '));
  src25 = path.join(dir, 'src 25.mp4');
  src2997 = path.join(dir, 'src 2997.mov');
  // 100 frames at 25 fps with a moving pattern (every frame differs) and a tone; GOP of 10 so seeking has work to do.
  run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', '-c:v', 'libx264', '-g', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-timecode', '10:00:00:00', src25]);
  run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=30000/1001', '-t', '3', '-c:v', 'libx264', '-g', '12', '-pix_fmt', 'yuv420p', '-timecode', '01:00:59;20', src2997]);
});

afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('exportShotMedia', () => {
  it('ProRes 422 HQ, 10-bit, with handles and the source timecode', async () => {
    const out = path.join(dir, 'shot prores.mov');
    const r = await exportShotMedia({ input: src25, out, startFrame: 30, endFrame: 50, handles: 5, codec: 'prores_hq', timecode: '14:03:22:10' });
    expect(r).toMatchObject({ firstFrame: 25, frameCount: 30, head: 5, tail: 5, timecode: '14:03:22:05', dropFrame: false, rate: R25 });
    const p = probe(out);
    const v = p.streams.find((s) => s.codec_type === 'video')!;
    expect(v).toMatchObject({ codec_name: 'prores', profile: 'HQ', pix_fmt: 'yuv422p10le', nb_read_frames: '30' });
    expect(v.tags?.timecode).toBe('14:03:22:05');
    expect(p.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'pcm_s24le' });
    // No temp file left next to the output.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('is frame-accurate: the first written frame is input frame startFrame - head', async () => {
    const out = path.join(dir, 'accurate.mov');
    await exportShotMedia({ input: src25, out, startFrame: 47, endFrame: 53, handles: 0, codec: 'prores_hq' });
    const first = grayFrame(out, 0);
    const diffs = [45, 46, 47, 48, 49].map((n) => meanAbsDiff(first, grayFrame(src25, n)));
    const best = diffs.indexOf(Math.min(...diffs));
    expect(best).toBe(2);
    expect(diffs[2]).toBeLessThan(3);
  });

  it('without a timecode option it continues the input timecode; handles clip at the start', async () => {
    const out = path.join(dir, 'start.mov');
    const r = await exportShotMedia({ input: src25, out, startFrame: 2, endFrame: 12, handles: 5, codec: 'prores_hq' });
    expect(r).toMatchObject({ head: 2, firstFrame: 0, frameCount: 17, tail: 5, timecode: '10:00:00:00' });
  });

  it('handles clip at the end of the input', async () => {
    const out = path.join(dir, 'end.mov');
    const r = await exportShotMedia({ input: src25, out, startFrame: 90, endFrame: 98, handles: 5, codec: 'prores_hq' });
    expect(r).toMatchObject({ head: 5, tail: 2, frameCount: 15 });
  });

  it('29.97 drop-frame timecode across the skipped labels', async () => {
    const out = path.join(dir, 'df.mov');
    const r = await exportShotMedia({ input: src2997, out, startFrame: 10, endFrame: 40, handles: 4, codec: 'prores_hq', timecode: '01:01:00;02' });
    const want = framesToTimecode(timecodeToFrames('01:01:00;02', R2997, true) - 4, R2997, true);
    expect(want).toBe('01:00:59;26');
    expect(r).toMatchObject({ timecode: want, dropFrame: true, rate: R2997, frameCount: 38 });
    expect(probe(out).streams.find((s) => s.codec_type === 'video')?.tags?.timecode).toBe(want);
  });

  it('H.264 in .mp4 with a tmcd timecode track', async () => {
    const out = path.join(dir, 'shot.mp4');
    const r = await exportShotMedia({ input: src25, out, startFrame: 10, endFrame: 20, handles: 3, codec: 'h264', timecode: '01:00:00:00' });
    expect(r.frameCount).toBe(16);
    const p = probe(out);
    expect(p.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', nb_read_frames: '16' });
    expect(p.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    expect(p.streams.some((s) => s.tags?.timecode === '00:59:59:22')).toBe(true);
  });

  it('fails cleanly for a range past the end or a wrong container', async () => {
    const out = path.join(dir, 'past.mov');
    await expect(exportShotMedia({ input: src25, out, startFrame: 95, endFrame: 120, codec: 'prores_hq' })).rejects.toMatchObject({ code: 'E_NLE_MEDIA' });
    expect(existsSync(out)).toBe(false);
    await expect(exportShotMedia({ input: src25, out: path.join(dir, 'x.mp4'), startFrame: 0, endFrame: 5, codec: 'prores_hq' })).rejects.toMatchObject({ code: 'E_NLE_MEDIA' });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('exportDubbedShots end to end', () => {
  it('writes shot media and timelines whose references resolve, plus a send-back manifest', async () => {
    const clip = (recordIn: number, sourceIn: number, len: number): NleClip => ({
      name: 'src 25',
      mediaPath: src25,
      sourceIn,
      sourceOut: sourceIn + len,
      recordIn,
      recordOut: recordIn + len,
      mediaRate: R25,
      sourceTimecodeStart: timecodeToFrames('10:00:00:00', R25),
      mediaDropFrame: false,
      mediaDuration: 100,
    });
    const original: NleTimeline = {
      name: 'Reel 1 #2',
      rate: R25,
      dropFrame: false,
      startTimecodeFrames: timecodeToFrames('01:00:00:00', R25),
      tracks: [{ kind: 'video', name: 'V1', clips: [clip(0, 20, 25), clip(25, 60, 30)] }],
      markers: [],
    };
    const outDir = path.join(dir, 'export out');
    const res = await exportDubbedShots({
      timeline: original,
      shots: [
        { originalClip: original.tracks[0].clips[0], render: src25, segments: [{ name: 'seg-1', recordIn: 5, recordOut: 20, note: 'line 1' }] },
        { originalClip: original.tracks[0].clips[1], render: src25 },
      ],
      outDir,
      codec: 'prores_hq',
      handles: 8,
    });
    expect(res.media.map((m) => [m.head, m.tail, m.frameCount, m.timecode])).toEqual([
      [8, 8, 41, '10:00:00:12'],
      [8, 8, 46, '10:00:02:02'],
    ]);
    const dub = res.timeline.tracks[1];
    expect(dub.name).toBe('Dubbed');
    expect(dub.clips.map((c) => [c.recordIn, c.recordOut, c.sourceIn, c.sourceOut])).toEqual([
      [0, 25, 8, 33],
      [25, 55, 8, 38],
    ]);
    for (const f of ['otio', 'fcp7', 'fcpxml', 'edl'] as const) expect(existsSync(res.files[f]!)).toBe(true);
    // Parsed back, every dubbed shot points at an existing file, at the same record frames and source timecode.
    for (const f of ['otio', 'fcp7', 'fcpxml'] as const) {
      const back = (await importTimeline(res.files[f]!)).timeline;
      expect(back.tracks[1].clips.map((c) => c.mediaPath)).toEqual(res.media.map((m) => m.out));
      for (const c of back.tracks[1].clips) expect(existsSync(c.mediaPath!)).toBe(true);
      const abs = (c: NleClip) => [c.recordIn, c.recordOut, c.sourceTimecodeStart + c.sourceIn];
      expect(back.tracks[1].clips.map(abs)).toEqual(original.tracks[0].clips.map(abs));
    }
    // FCP7 pathurls / FCPXML media-rep src are encoded file URLs that resolve.
    for (const [f, tag, attr] of [['fcp7', 'pathurl', ''], ['fcpxml', 'media-rep', 'src']] as const) {
      const root = parseXml(await fsp.readFile(res.files[f]!, 'utf8'));
      for (const n of descendants(root, tag)) {
        const url = attr ? n.attrs[attr] : n.text;
        expect(url).not.toMatch(/[ #]/);
        expect(existsSync(fileUrlToPath(url))).toBe(true);
      }
    }
    const sb = await readSendBack(res.sendBack);
    expect(sb.shots.map((s) => [s.recordIn, s.recordOut, s.sourceIn, s.sourceOut, s.layer, s.markers.map((m) => m.name)])).toEqual([
      [0, 25, 8, 33, 1, ['seg-1']],
      [25, 55, 8, 38, 1, ['src 25 dub']],
    ]);
  });
});
