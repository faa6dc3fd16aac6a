import { existsSync, promises as fsp, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioMono16k, decodeAudioPcm, decodeClipAudioMono16k } from '../../src/main/media/audio-decode';
import { decodeFrames } from '../../src/main/media/decode';
import { buildDubbedAudio, mergeRanges, mixDub, mixDubBlock, type MixOptions, type TimeRange } from '../../src/main/media/dub-audio';
import { createEncoder, muxAudio } from '../../src/main/media/encode';
import { probeAudio, probeMedia } from '../../src/main/media/probe';
import { CancelledError, UserError } from '../../src/main/util/errors';
import { cleanupTestMedia, makeSilence, makeTempDir, makeTestVideo, makeTone } from '../helpers/genmedia';
import { rng } from '../helpers/rng';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(cleanupTestMedia);

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

/** Index of the first sample in [from, to) where `a` and `b` differ, or -1 when all are equal. */
function firstMismatch(a: Float32Array, b: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * The whole-track mixer as it was before `buildDubbedAudio` streamed (verbatim), kept as the
 * reference the streamed / block-wise output must equal bit for bit.
 */
function referenceMixDub(original: Float32Array, dub: Float32Array, o: MixOptions): Float32Array {
  const ch = o.channels;
  const out = new Float32Array(o.frames * ch);
  out.set(original.subarray(0, Math.min(original.length, out.length)));
  const offsetFrames = Math.round(o.dubOffset * o.sampleRate);
  const dubFrames = Math.floor(dub.length / ch);
  const dubAt = (frame: number, c: number): number => {
    const f = frame - offsetFrames;
    return f >= 0 && f < dubFrames ? dub[f * ch + c] : 0;
  };
  if (o.ranges === 'all') {
    for (let f = 0; f < o.frames; f++) for (let c = 0; c < ch; c++) out[f * ch + c] = dubAt(f, c);
    return out;
  }
  const xfDefault = Math.round((o.crossfade ?? 0.01) * o.sampleRate);
  for (const r of mergeRanges(o.ranges)) {
    const s = Math.max(0, Math.round(r.start * o.sampleRate));
    const e = Math.min(o.frames, Math.round(r.end * o.sampleRate));
    if (e <= s) continue;
    const xf = Math.min(xfDefault, Math.floor((e - s) / 2));
    for (let f = s; f < e; f++) {
      let w = 1;
      if (xf > 0) {
        if (f < s + xf) w = (f - s + 0.5) / xf;
        else if (f >= e - xf) w = (e - f - 0.5) / xf;
      }
      for (let c = 0; c < ch; c++) {
        const i = f * ch + c;
        out[i] = out[i] * (1 - w) + dubAt(f, c) * w;
      }
    }
  }
  return out;
}

/** ffmpeg processes whose parent is this (test worker) process; Linux only (/proc), else []. */
function ffmpegChildren(): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may contain spaces, so split after the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid && comm.startsWith('ffmpeg')) pids.push(Number(name));
  }
  return pids;
}

describe('decodeAudioMono16k', () => {
  it('decodes a 44.1 kHz stereo WAV to 16 kHz mono float32', async () => {
    const wav = await makeTone({ seconds: 1, freq: 440, sampleRate: 44100, channels: 2, dir });
    const pcm = await decodeAudioMono16k(wav);
    expect(pcm).toBeInstanceOf(Float32Array);
    expect(Math.abs(pcm.length - 16000)).toBeLessThanOrEqual(16);
    // sine at amplitude 1/8: RMS 0.125 / sqrt(2)
    expect(rms(pcm, 800, 15000)).toBeCloseTo(0.125 / Math.SQRT2, 2);
    // 440 Hz: about 880 zero crossings per second
    let zc = 0;
    for (let i = 1; i < pcm.length; i++) if (pcm[i - 1] < 0 !== pcm[i] < 0) zc++;
    expect(Math.abs(zc - 880)).toBeLessThan(10);
  });

  it('decodes a window with start and duration', async () => {
    const wav = await makeTone({ seconds: 2, freq: 440, dir });
    const pcm = await decodeAudioMono16k(wav, { start: 0.5, duration: 0.75 });
    expect(Math.abs(pcm.length - 12000)).toBeLessThanOrEqual(16);
  });

  it('reads the audio of a video clip; a clip without audio is null or E_NO_AUDIO', async () => {
    const withAudio = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 1, withAudio: true, dir });
    const silentClip = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 1, dir });
    const pcm = await decodeClipAudioMono16k(withAudio);
    expect(pcm!.length).toBeGreaterThan(15000);
    expect(await decodeClipAudioMono16k(silentClip)).toBeNull();
    await expect(decodeAudioMono16k(silentClip)).rejects.toMatchObject({ code: 'E_NO_AUDIO' });
  });

  it('E_UNREADABLE for a file that is not media, E_NOT_FOUND for a missing one', async () => {
    const bad = path.join(dir, 'bad.wav');
    await fsp.writeFile(bad, 'RIFF but not really a wav file at all');
    const err = await decodeAudioMono16k(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('E_UNREADABLE');
    await expect(decodeClipAudioMono16k(path.join(dir, 'missing.wav'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});

describe('mixDub (pure)', () => {
  const rate = 1000;
  const orig = new Float32Array(2000).fill(1); // 1 s stereo at 1 kHz, all ones
  const dub = new Float32Array(2000).fill(-1);

  it('replaces only inside the ranges, with linear crossfades at the edges', () => {
    const out = mixDub(orig, dub, { channels: 2, sampleRate: rate, frames: 1000, dubOffset: 0, ranges: [{ start: 0.2, end: 0.4 }], crossfade: 0.01 });
    expect(out).toHaveLength(2000);
    expect(out[199 * 2]).toBe(1); // before
    expect(out[400 * 2 + 1]).toBe(1); // after (end exclusive)
    expect(out[250 * 2]).toBe(-1); // inside, past the fade
    expect(out[390 * 2]).toBeCloseTo(1 - 2 * (9.5 / 10), 6); // fade-out: dub weight (400-390-0.5)/10
    expect(out[200 * 2]).toBeCloseTo(1 - 2 * (0.5 / 10), 6); // fade-in starts near the original
    // monotone fade-in
    for (let f = 201; f < 210; f++) expect(out[f * 2]).toBeLessThan(out[(f - 1) * 2]);
  });

  it('places the dub at its offset and uses silence where the dub has no samples', () => {
    const ramp = Float32Array.from({ length: 200 }, (_, i) => Math.floor(i / 2) / 100); // mono-per-frame ramp, stereo
    const out = mixDub(orig, ramp, { channels: 2, sampleRate: rate, frames: 1000, dubOffset: 0.5, ranges: [{ start: 0.45, end: 0.7 }], crossfade: 0 });
    expect(out[460 * 2]).toBe(0); // before the dub starts: silence
    expect(out[500 * 2]).toBe(0); // dub frame 0
    expect(out[537 * 2 + 1]).toBeCloseTo(0.37, 6); // dub frame 37
    expect(out[650 * 2]).toBe(0); // past the dub's end
    expect(out[700 * 2]).toBe(1); // outside the range
  });

  it('whole-track mode uses only the dub; output length is fixed and padded', () => {
    const out = mixDub(orig.subarray(0, 1000), dub.subarray(0, 600), { channels: 2, sampleRate: rate, frames: 1000, dubOffset: 0, ranges: 'all' });
    expect(out[0]).toBe(-1);
    expect(out[299 * 2 + 1]).toBe(-1);
    expect(out[300 * 2]).toBe(0);
    expect(out[999 * 2]).toBe(0);
  });

  it('merges touching ranges so there is no dip at the shared edge', () => {
    expect(mergeRanges([{ start: 1, end: 2 }, { start: 0, end: 1 }, { start: 3, end: 4 }, { start: 3.5, end: 3.6 }])).toEqual([
      { start: 0, end: 2 },
      { start: 3, end: 4 },
    ]);
    const out = mixDub(orig, dub, { channels: 2, sampleRate: rate, frames: 1000, dubOffset: 0, ranges: [{ start: 0.1, end: 0.3 }, { start: 0.3, end: 0.5 }], crossfade: 0.01 });
    expect(out[300 * 2]).toBe(-1);
  });
});

describe('mixDubBlock (pure, block by block as buildDubbedAudio streams)', () => {
  const rate = 1000;
  const ch = 2;
  const noise = (frames: number, seed: number) => {
    const r = rng(seed);
    return Float32Array.from({ length: frames * ch }, () => r());
  };

  /**
   * Mixes output frames [first, last) in blocks of `block` frames the way `buildDubbedAudio`
   * feeds them: the original's samples of the block, and the dub's samples placed at the
   * offset (dub frame f - offset), without the silence before the dub starts.
   */
  function mixInBlocks(original: Float32Array, dub: Float32Array, o: MixOptions, first: number, last: number, block: number): Float32Array {
    const off = Math.round(o.dubOffset * o.sampleRate);
    const out = new Float32Array((last - first) * ch);
    for (let f = first; f < last; f += block) {
      const n = Math.min(block, last - f);
      const origBlock = original.subarray(Math.min(original.length, f * ch), Math.min(original.length, (f + n) * ch));
      const lead = Math.min(n, Math.max(0, off - f));
      const d0 = Math.max(0, f - off);
      const dubPart = dub.subarray(Math.min(dub.length, d0 * ch), Math.min(dub.length, (d0 + n - lead) * ch));
      const dubBlock = new Float32Array(lead * ch + dubPart.length);
      dubBlock.set(dubPart, lead * ch);
      const mixed = mixDubBlock(origBlock, dubBlock, f, { channels: ch, sampleRate: rate, frames: n, totalFrames: o.frames, ranges: o.ranges, crossfade: o.crossfade });
      expect(mixed).toHaveLength(n * ch);
      out.set(mixed, (f - first) * ch);
    }
    return out;
  }

  const ranges: TimeRange[] = [{ start: 0.1, end: 0.3 }, { start: 0.295, end: 0.4 }, { start: 0.6, end: 0.615 }, { start: 0.9, end: 1.5 }];
  const cases: { name: string; dubOffset: number; origFrames: number; dubFrames: number; first: number; last: number; ranges: TimeRange[] | 'all' }[] = [
    { name: 'offset 0, whole track', dubOffset: 0, origFrames: 1000, dubFrames: 1000, first: 0, last: 1000, ranges },
    { name: 'positive offset, dub shorter, trimmed', dubOffset: 0.137, origFrames: 1000, dubFrames: 500, first: 95, last: 905, ranges },
    { name: 'negative offset, dub longer, original shorter', dubOffset: -0.2113, origFrames: 700, dubFrames: 1600, first: 3, last: 1000, ranges },
    { name: 'offset past the trim start', dubOffset: 0.45, origFrames: 1000, dubFrames: 300, first: 100, last: 990, ranges },
    { name: 'whole track, positive offset', dubOffset: 0.0505, origFrames: 1000, dubFrames: 400, first: 20, last: 1000, ranges: 'all' },
    { name: 'whole track, negative offset', dubOffset: -0.3, origFrames: 1000, dubFrames: 800, first: 0, last: 777, ranges: 'all' },
  ];
  for (const c of cases) {
    it(`equals the whole-track mix for any block size: ${c.name}`, () => {
      const original = noise(c.origFrames, 1);
      const dub = noise(c.dubFrames, 2);
      const o: MixOptions = { channels: ch, sampleRate: rate, frames: 1000, dubOffset: c.dubOffset, ranges: c.ranges, crossfade: 0.01 };
      const whole = referenceMixDub(original, dub, o);
      // mixDub (now a wrapper) is still the same function as before.
      expect(firstMismatch(mixDub(original, dub, o), whole, 0, whole.length)).toBe(-1);
      const want = whole.subarray(c.first * ch, c.last * ch);
      // Block sizes that split the 10-frame crossfades (7, 3, 13), single frames, and one block.
      for (const block of [1, 3, 7, 13, 64, 333, 1000]) {
        const got = mixInBlocks(original, dub, o, c.first, c.last, block);
        expect(got.length).toBe(want.length);
        expect({ block, mismatch: firstMismatch(got, want, 0, want.length) }).toEqual({ block, mismatch: -1 });
      }
    });
  }
});

describe('buildDubbedAudio', () => {
  it('writes a 48 kHz stereo WAV: original outside the ranges, the dub inside', async () => {
    const clip = await makeTone({ seconds: 2, freq: 440, sampleRate: 44100, channels: 1, dir });
    const dubFile = await makeTone({ seconds: 2, freq: 1000, sampleRate: 22050, channels: 2, dir });
    const outWav = path.join(dir, 'dubbed.wav');
    const res = await buildDubbedAudio({ clip, dub: dubFile, ranges: [{ start: 0.5, end: 1 }], duration: 1.8, outWav });
    expect(res).toEqual({ path: outWav, frames: 86400, sampleRate: 48000, channels: 2 });
    const info = await probeAudio(outWav);
    expect(info.audio).toMatchObject({ codec: 'pcm_f32le', sampleRate: 48000, channels: 2 });

    const pcm = { sampleRate: 48000, channels: 2 };
    const out = await decodeAudioPcm(outWav, pcm);
    const orig = await decodeAudioPcm(clip, pcm);
    const dub = await decodeAudioPcm(dubFile, pcm);
    expect(out.length).toBe(86400 * 2);
    const at = (sec: number) => Math.round(sec * 48000) * 2;
    // Bit-exact: original before 0.5 s and after 1.0 s, dub from 0.51 s to 0.99 s.
    expect(firstMismatch(out, orig, 0, at(0.5))).toBe(-1);
    expect(firstMismatch(out, orig, at(1), at(1.8))).toBe(-1);
    expect(firstMismatch(out, dub, at(0.51), at(0.99))).toBe(-1);
    // ...and inside the range it is really not the original any more.
    expect(firstMismatch(out, orig, at(0.51), at(0.99))).not.toBe(-1);
  });

  it('trims to [trimStart, trimEnd) of the clip timeline, keeping ranges in clip time', async () => {
    const clip = await makeTone({ seconds: 2, freq: 440, dir });
    const dubFile = await makeSilence({ seconds: 2, dir });
    const res = await buildDubbedAudio({ clip, dub: dubFile, ranges: [{ start: 1, end: 2 }], duration: 2, trimStart: 0.5, trimEnd: 1.5 });
    try {
      expect(res.frames).toBe(48000);
      const out = await decodeAudioPcm(res.path, { sampleRate: 48000, channels: 2 });
      expect(out.length).toBe(96000);
      const s = (sec: number) => Math.round(sec * 48000) * 2;
      expect(rms(out, 0, s(0.49))).toBeCloseTo(0.125 / Math.SQRT2, 2); // clip 0.5-0.99 s: original
      expect(rms(out, s(0.51), s(1))).toBe(0); // clip 1.01-1.5 s: silent dub
    } finally {
      await fsp.rm(res.path, { force: true });
    }
    await expect(buildDubbedAudio({ clip, dub: dubFile, wholeTrack: true, duration: 2, trimStart: 1.5, trimEnd: 1 })).rejects.toMatchObject({ code: 'E_BAD_RANGE' });
  });

  it('uses silence for a clip without audio and honours the dub offset', async () => {
    const clip = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 2, dir });
    const dubFile = await makeTone({ seconds: 0.5, freq: 1000, dir });
    const res = await buildDubbedAudio({ clip, dub: dubFile, dubOffset: 1, ranges: [{ start: 0, end: 2 }], duration: 2 });
    try {
      const out = await decodeAudioPcm(res.path, { sampleRate: 48000, channels: 2 });
      const s = (sec: number) => Math.round(sec * 48000) * 2;
      expect(rms(out, 0, s(0.99))).toBe(0);
      expect(rms(out, s(1.01), s(1.49))).toBeCloseTo(0.125 / Math.SQRT2, 2);
      expect(rms(out, s(1.51), s(2))).toBe(0);
    } finally {
      await fsp.rm(res.path, { force: true });
    }
  });

  it('refuses to build without ranges unless replacing the whole track', async () => {
    const tone = await makeTone({ seconds: 1, freq: 440, dir });
    await expect(buildDubbedAudio({ clip: tone, dub: tone, duration: 1 })).rejects.toMatchObject({ code: 'E_BAD_RANGE' });
    await expect(buildDubbedAudio({ clip: tone, dub: await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 1, dir }), wholeTrack: true, duration: 1 }))
      .rejects.toMatchObject({ code: 'E_NO_AUDIO' });
  });
});

describe('buildDubbedAudio streaming (blocks smaller than the clip)', () => {
  const pcm = { sampleRate: 48000, channels: 2 };
  let clip: string;
  let dubLong: string;
  let dubShort: string;
  let silentClip: string;
  beforeAll(async () => {
    clip = await makeTone({ seconds: 2.5, freq: 440, sampleRate: 44100, channels: 1, dir }); // mono: duplicated
    dubLong = await makeTone({ seconds: 2.5, freq: 1000, sampleRate: 22050, channels: 2, dir });
    dubShort = await makeTone({ seconds: 1.2, freq: 700, sampleRate: 48000, channels: 1, dir });
    silentClip = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 2.5, dir });
  });

  const cases: {
    name: string;
    clip: () => string;
    dub: () => string;
    opts: { dubOffset?: number; ranges?: TimeRange[]; wholeTrack?: boolean; duration: number; trimStart?: number; trimEnd?: number; blockFrames?: number };
  }[] = [
    {
      name: '1 s blocks, positive offset, trims, clip longer than the duration',
      clip: () => clip,
      dub: () => dubLong,
      opts: { dubOffset: 0.25, ranges: [{ start: 0.3, end: 0.8 }, { start: 0.995, end: 2.1 }], duration: 2.4, trimStart: 0.1, trimEnd: 2.3, blockFrames: 48000 },
    },
    {
      name: 'odd blocks, negative offset, crossfades split by blocks',
      clip: () => clip,
      dub: () => dubLong,
      opts: { dubOffset: -0.4, ranges: [{ start: 0, end: 1.5 }, { start: 2, end: 2.5 }], duration: 2.5, blockFrames: 4801 },
    },
    {
      name: 'dub shorter than the clip, offset past the trim start',
      clip: () => clip,
      dub: () => dubShort,
      opts: { dubOffset: 0.9, ranges: [{ start: 0.5, end: 2.5 }], duration: 2.5, trimStart: 0.3, blockFrames: 10007 },
    },
    {
      name: 'whole track, default 1 s blocks',
      clip: () => clip,
      dub: () => dubShort,
      opts: { wholeTrack: true, dubOffset: 0.5, duration: 2.5 },
    },
    {
      name: 'clip without audio',
      clip: () => silentClip,
      dub: () => dubLong,
      opts: { dubOffset: -0.1, ranges: [{ start: 0.7, end: 1.9 }], duration: 2.5, blockFrames: 12345 },
    },
  ];
  for (const c of cases) {
    it(`equals decoding both in full and mixing with mixDub: ${c.name}`, async () => {
      const res = await buildDubbedAudio({ clip: c.clip(), dub: c.dub(), ...c.opts });
      try {
        const original = await decodeAudioPcm(c.clip(), pcm).catch((err: unknown) => {
          if (err instanceof UserError && err.code === 'E_NO_AUDIO') return new Float32Array(0);
          throw err;
        });
        const dub = await decodeAudioPcm(c.dub(), pcm);
        const total = Math.round(c.opts.duration * 48000);
        const whole = referenceMixDub(original, dub, {
          channels: 2,
          sampleRate: 48000,
          frames: total,
          dubOffset: c.opts.dubOffset ?? 0,
          ranges: c.opts.wholeTrack ? 'all' : c.opts.ranges!,
        });
        const first = Math.round((c.opts.trimStart ?? 0) * 48000);
        const last = c.opts.trimEnd === undefined ? total : Math.round(c.opts.trimEnd * 48000);
        const want = whole.subarray(first * 2, last * 2);
        const got = await decodeAudioPcm(res.path, pcm);
        expect(res.frames).toBe(last - first);
        expect(got.length).toBe(want.length);
        expect(firstMismatch(got, want, 0, want.length)).toBe(-1);
        expect(rms(got)).toBeGreaterThan(0.01); // not trivially silent
      } finally {
        await fsp.rm(res.path, { force: true });
      }
    });
  }

  it('abort mid-way: CancelledError, no WAV or temp file left, no ffmpeg child', async () => {
    const abortDir = await makeTempDir();
    const longClip = await makeTone({ seconds: 30, freq: 440, dir: abortDir });
    const longDub = await makeTone({ seconds: 30, freq: 1000, dir: abortDir });
    const outWav = path.join(abortDir, 'out.wav');
    const ac = new AbortController();
    // Tiny blocks make the 30 s build slow enough to catch it with its WAV partly written.
    const build = buildDubbedAudio({ clip: longClip, dub: longDub, ranges: [{ start: 1, end: 20 }], duration: 30, outWav, blockFrames: 64, signal: ac.signal });
    const settled = build.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    for (;;) {
      const partial = (await fsp.readdir(abortDir)).find((n) => n.includes('.tmp-'));
      const size = partial ? (await fsp.stat(path.join(abortDir, partial)).catch(() => null))?.size ?? 0 : 0;
      if (size > 1 << 20) break;
      const early = await Promise.race([settled, new Promise((r) => setTimeout(() => r(null), 2))]);
      expect(early).toBeNull(); // the build must still be running
    }
    const childrenWhileRunning = ffmpegChildren().length;
    ac.abort();
    const err = await settled;
    expect(err).toBeInstanceOf(CancelledError);
    if (process.platform === 'linux') expect(childrenWhileRunning).toBe(2); // both decoders were mid-stream
    expect(ffmpegChildren()).toEqual([]);
    expect(existsSync(outWav)).toBe(false);
    expect((await fsp.readdir(abortDir)).sort()).toEqual([path.basename(longClip), path.basename(longDub)].sort());
  });

  it('a write failure is E_WRITE_FAILED and leaves no ffmpeg child', async () => {
    const outWav = path.join(dir, 'missing-folder', 'out.wav');
    await expect(buildDubbedAudio({ clip, dub: dubLong, ranges: [{ start: 0, end: 1 }], duration: 2.5, outWav })).rejects.toMatchObject({ code: 'E_WRITE_FAILED' });
    expect(ffmpegChildren()).toEqual([]);
    expect(existsSync(outWav)).toBe(false);
  });
});

describe('muxAudio', () => {
  it('muxes encoded video and the dubbed WAV into the final file and removes the temps', async () => {
    const muxDir = await makeTempDir();
    const clip = await makeTestVideo({ width: 64, height: 48, fps: 25, seconds: 2, withAudio: true, dir: muxDir });
    const info = await probeMedia(clip);
    const out = path.join(muxDir, 'final.mp4');
    const videoTmp = path.join(muxDir, '.final.video.mp4');
    const enc = createEncoder({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, out: videoTmp, preset: 'ultrafast' });
    for await (const f of decodeFrames(info)) await enc.write(f.data);
    await enc.finish();
    const silence = await makeSilence({ seconds: 2, dir: muxDir });
    const wav = await buildDubbedAudio({ clip, dub: silence, wholeTrack: true, duration: info.frameCount / info.fps, outWav: path.join(muxDir, 'a.wav') });
    await muxAudio({ videoTmp, audioWav: wav.path, out });

    const o = await probeMedia(out);
    expect(o).toMatchObject({ width: 64, height: 48, fpsNum: 25, fpsDen: 1, frameCount: 50, codec: 'h264' });
    expect(o.audioStreams).toHaveLength(1);
    expect(o.audioStreams[0]).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 2 });
    expect(o.audioStreams[0].duration).toBeCloseTo(2, 1);
    expect(existsSync(videoTmp)).toBe(false);
    expect(existsSync(wav.path)).toBe(false);
    expect((await fsp.readdir(muxDir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // The whole-track dub is silence: the muxed audio is silent.
    const pcm = await decodeAudioMono16k(out);
    expect(rms(pcm)).toBeLessThan(1e-4);
  });

  it('on failure leaves no temp file and does not create the output', async () => {
    const failDir = await makeTempDir();
    const out = path.join(failDir, 'final.mp4');
    const notVideo = path.join(failDir, 'v.mp4');
    await fsp.writeFile(notVideo, 'garbage');
    const wav = await makeSilence({ seconds: 1, dir: failDir });
    const err = await muxAudio({ videoTmp: notVideo, audioWav: wav, out, removeInputs: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_ENCODE_FAILED' });
    expect(existsSync(out)).toBe(false);
    expect((await fsp.readdir(failDir)).sort()).toEqual([path.basename(wav), 'v.mp4'].sort());
  });
});

describeIfSharedMedia('real clips', ['talk-a.mp4', 'dub-a.wav'], () => {
  it('decodes talk-a audio and dub-a.wav to 16 kHz mono of about 5 s', async () => {
    const a = await decodeAudioMono16k(sharedMedia('talk-a.mp4')!);
    const b = await decodeAudioMono16k(sharedMedia('dub-a.wav')!);
    expect(a.length / 16000).toBeCloseTo(5, 0);
    expect(b.length / 16000).toBeCloseTo(5, 0);
    expect(rms(a)).toBeGreaterThan(0.005);
    expect(rms(b)).toBeGreaterThan(0.005);
  });
});
