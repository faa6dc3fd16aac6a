import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioMono16k, decodeAudioPcm, decodeClipAudioMono16k } from '../../src/main/media/audio-decode';
import { decodeFrames } from '../../src/main/media/decode';
import { buildDubbedAudio, mergeRanges, mixDub } from '../../src/main/media/dub-audio';
import { createEncoder, muxAudio } from '../../src/main/media/encode';
import { probeAudio, probeMedia } from '../../src/main/media/probe';
import { UserError } from '../../src/main/util/errors';
import { cleanupTestMedia, makeSilence, makeTempDir, makeTestVideo, makeTone } from '../helpers/genmedia';
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
