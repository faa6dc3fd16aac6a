import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NleTimeline } from '../../src/main/nle/model';
import { addDialogueStem, placeStem } from '../../src/main/nle/stem';
import { timecodeToFrames } from '../../src/main/nle/timecode';
import { bufferReader, parseWav, readWavInfo } from '../../src/main/nle/wav';
import { UserError } from '../../src/main/util/errors';

/** A minimal (B)WF file: RIFF or RF64, fmt, optional bext with `timeRef`, `frames` of 16-bit audio. */
function wav(opts: { rate: number; channels: number; frames: number; timeRef?: number; rf64?: boolean; junkBeforeFmt?: boolean }): Uint8Array {
  const chunks: Buffer[] = [];
  const chunk = (id: string, body: Buffer) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    chunks.push(h, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0));
  };
  const dataBytes = opts.frames * opts.channels * 2;
  if (opts.rf64) {
    const ds = Buffer.alloc(28);
    ds.writeBigUInt64LE(BigInt(dataBytes), 8);
    chunk('ds64', ds);
  }
  if (opts.junkBeforeFmt) chunk('JUNK', Buffer.alloc(27));
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0);
  fmt.writeUInt16LE(opts.channels, 2);
  fmt.writeUInt32LE(opts.rate, 4);
  fmt.writeUInt32LE(opts.rate * opts.channels * 2, 8);
  fmt.writeUInt16LE(opts.channels * 2, 12);
  fmt.writeUInt16LE(16, 14);
  chunk('fmt ', fmt);
  if (opts.timeRef !== undefined) {
    const bext = Buffer.alloc(602);
    bext.write('Reel 1 dialogue', 0, 'latin1');
    bext.write('Pro Tools', 256, 'latin1');
    bext.writeUInt32LE(opts.timeRef % 2 ** 32, 338);
    bext.writeUInt32LE(Math.floor(opts.timeRef / 2 ** 32), 342);
    bext.writeUInt16LE(1, 346);
    chunk('bext', bext);
  }
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'latin1');
  dataHeader.writeUInt32LE(opts.rf64 ? 0xffffffff : dataBytes, 4);
  chunks.push(dataHeader, Buffer.alloc(dataBytes));
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(12);
  head.write(opts.rf64 ? 'RF64' : 'RIFF', 0, 'latin1');
  head.writeUInt32LE(opts.rf64 ? 0xffffffff : body.length + 4, 4);
  head.write('WAVE', 8, 'latin1');
  return new Uint8Array(Buffer.concat([head, body]));
}

function tl(rate: { num: number; den: number }, dropFrame: boolean, start: string): NleTimeline {
  return { name: 't', rate, dropFrame, startTimecodeFrames: timecodeToFrames(start, rate, dropFrame), tracks: [], markers: [] };
}

describe('WAV / BWF headers', () => {
  it('reads fmt, data length and the bext time reference (above 2^32 too)', async () => {
    const buf = wav({ rate: 48000, channels: 2, frames: 4800, timeRef: 5_000_000_000, junkBeforeFmt: true });
    const info = await parseWav(bufferReader(buf), buf.length);
    expect(info).toMatchObject({ sampleRate: 48000, channels: 2, bitsPerSample: 16, durationSamples: 4800, timeReferenceSamples: 5_000_000_000, description: 'Reel 1 dialogue', originator: 'Pro Tools' });
  });
  it('reads RF64 (ds64 data size)', async () => {
    const buf = wav({ rate: 48000, channels: 1, frames: 1000, timeRef: 172_800_000, rf64: true });
    expect(await parseWav(bufferReader(buf), buf.length)).toMatchObject({ durationSamples: 1000, timeReferenceSamples: 172_800_000 });
  });
  it('plain WAV has no time reference; non-WAV is rejected', async () => {
    const buf = wav({ rate: 44100, channels: 1, frames: 10 });
    expect((await parseWav(bufferReader(buf), buf.length)).timeReferenceSamples).toBeNull();
    const junk = new TextEncoder().encode('ID3 this is an mp3 file.....');
    await expect(parseWav(bufferReader(junk), junk.length)).rejects.toThrow(UserError);
  });
  it('reads a file on disk', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'nle-wav-'));
    const file = path.join(dir, 'stem.wav');
    await fsp.writeFile(file, wav({ rate: 48000, channels: 2, frames: 96000, timeRef: 172_972_800 }));
    expect(await readWavInfo(file)).toMatchObject({ durationSamples: 96000, timeReferenceSamples: 172_972_800 });
    await expect(readWavInfo(path.join(dir, 'missing.wav'))).rejects.toMatchObject({ code: 'E_NLE_WAV' });
    await fsp.rm(dir, { recursive: true, force: true });
  });
});

describe('dialogue stem placement by timecode', () => {
  const info = (timeRef: number | null, frames = 48000 * 10) => ({ sampleRate: 48000, channels: 2, bitsPerSample: 24, formatTag: 1, durationSamples: frames, timeReferenceSamples: timeRef });

  it('23.976: 01:00:00:00 is 86400 frames = 172972800 samples at 48 kHz', () => {
    const t = tl({ num: 24000, den: 1001 }, false, '01:00:00:00');
    const p = placeStem(t, info(172_972_800));
    expect(p).toMatchObject({ startTimecode: '01:00:00:00', recordIn: 0, subFrameSamples: 0, source: 'bext' });
    // 10 s of audio = 239.76 frames -> 240 (rounded up so the tail is not cut).
    expect(p.durationFrames).toBe(240);
    // One frame later = +2002 samples.
    expect(placeStem(t, info(172_972_800 + 2002 * 5)).recordIn).toBe(5);
  });

  it('29.97 DF: a stem at 01:00:10;00 lands 300 frames after a 01:00:00;00 timeline', () => {
    const t = tl({ num: 30000, den: 1001 }, true, '01:00:00;00');
    const frames = timecodeToFrames('01:00:10;00', t.rate, true);
    const p = placeStem(t, info(Math.round((frames * 1001 * 48000) / 30000)));
    expect(p.startTimecode).toBe('01:00:10;00');
    expect(p.recordIn).toBe(300);
    expect(Math.abs(p.subFrameSamples)).toBeLessThan(1);
  });

  it('25 fps with a sub-frame offset reports the remainder', () => {
    const t = tl({ num: 25, den: 1 }, false, '10:00:00:00');
    const p = placeStem(t, info(36000 * 48000 + 1920 * 7 + 500));
    expect(p.recordIn).toBe(7);
    expect(p.subFrameSamples).toBe(500);
  });

  it('a user timecode wins; no time reference and no timecode is a UserError', () => {
    const t = tl({ num: 25, den: 1 }, false, '10:00:00:00');
    expect(placeStem(t, info(null), '10:00:01:00')).toMatchObject({ recordIn: 25, source: 'user' });
    expect(() => placeStem(t, info(null))).toThrow(expect.objectContaining({ code: 'E_NLE_STEM_TC' }));
  });

  it('adds the stem on a new audio track, trimming a head that starts before the timeline', () => {
    const t = tl({ num: 25, den: 1 }, false, '10:00:00:00');
    const r = addDialogueStem(t, { path: '/mix/Reel 1 DX.wav', info: info(36000 * 48000 - 2 * 1920) }, {});
    expect(r.clip).toMatchObject({ name: 'Reel 1 DX', sourceIn: 2, sourceOut: 250, recordIn: 0, recordOut: 248 });
    expect(r.timeline.tracks.at(-1)).toMatchObject({ kind: 'audio', name: 'Dialogue stem' });
    expect(r.warnings[0]).toMatch(/head is trimmed/);
  });
});
