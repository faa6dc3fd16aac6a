import { describe, expect, it } from 'vitest';
import { floatsToHalf, fromHalf, halfToFloats, toHalf } from '../../src/main/engines/common/fp16';
import { planarToRgb, rgbToPlanar } from '../../src/main/engines/common/image-tensor';
import { makeTensor, resolveDims } from '../../src/main/engines/common/tensors';
import { frameRows } from '../../src/main/engines/latent-diffusion/audio-features';
import { evenPicks } from '../../src/main/engines/latent-diffusion/habit';

describe('fp16 conversion', () => {
  it('matches IEEE half for exact values, rounds to nearest even, saturates to Inf', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(5.960464477539063e-8)).toBe(0x0001); // smallest subnormal
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
    const xs = Float32Array.from([0, 0.1, -3.14159, 1000.5, 2 ** -20]);
    const back = halfToFloats(floatsToHalf(xs));
    xs.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25));
  });
});

describe('tensor helpers', () => {
  it('resolves symbolic dims and builds typed tensors', () => {
    expect(resolveDims({ name: 'x', shape: ['B', 4, 'F'], dtype: 'fp32' }, { B: 2, F: 3 })).toEqual([2, 4, 3]);
    expect(() => resolveDims({ name: 'x', shape: ['B'], dtype: 'fp32' }, {})).toThrow(/no size for symbolic dim "B"/);
    const t = makeTensor({ name: 't', shape: ['B'], dtype: 'int64' }, Float32Array.from([951.2, 1]), [2]);
    expect(t.type).toBe('int64');
    expect(Array.from(t.data as BigInt64Array)).toEqual([951n, 1n]);
    expect(makeTensor({ name: 'h', shape: [1], dtype: 'fp16' }, Float32Array.from([1]), [1]).data).toEqual(Uint16Array.from([0x3c00]));
    expect(() => makeTensor({ name: 'x', shape: [2], dtype: 'fp32' }, new Float32Array(3), [2])).toThrow(RangeError);
  });

  it('rgb24 <-> planar with range and channel order (BGR / 255 for Wav2Lip)', () => {
    const rgb = Uint8Array.from([255, 0, 10, 0, 128, 255]); // 2 pixels
    const out = new Float32Array(6);
    rgbToPlanar(rgb, 2, 1, { range: [0, 1], channelOrder: 'BGR' }, out);
    expect(Array.from(out).map((v) => +v.toFixed(4))).toEqual([10 / 255, 1, 0, 128 / 255, 1, 0].map((v) => +v.toFixed(4)));
    const signed = new Float32Array(6);
    rgbToPlanar(rgb, 2, 1, { range: [-1, 1], channelOrder: 'RGB' }, signed, 0, { editable: Float32Array.from([0, 1]), fillValue: 0 });
    expect(signed[0]).toBeCloseTo(1, 6);
    expect(signed[1]).toBe(0); // editable pixel filled
    expect(planarToRgb(out, 2, 1, { range: [0, 1], channelOrder: 'BGR' })).toEqual(rgb);
  });

  it('audio rows per frame: 80 ms before and 120 ms after at 50 Hz', () => {
    const fe = { kind: 'encoder' as const, input: 'waveform' as const, sampleRate: 16000 as const, hopSec: 0.02, beforeSec: 0.08, afterSec: 0.12, padToMultiple: 320, chunkSec: 30, contextSec: 1 };
    expect(frameRows(fe, 25, 0)).toEqual({ first: -4, count: 10 });
    expect(frameRows(fe, 25, 25)).toEqual({ first: 46, count: 10 });
    expect(frameRows(fe, 30000 / 1001, 300).first).toBe(Math.round((300 * 1001) / 30000 / 0.02 - 4));
    expect(evenPicks(10, 4)).toEqual([1, 3, 6, 8]);
    expect(evenPicks(2, 4)).toEqual([0, 0, 1, 1]);
    expect(evenPicks(0, 4)).toEqual([]);
  });
});
