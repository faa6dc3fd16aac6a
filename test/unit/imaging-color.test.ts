import { describe, expect, it } from 'vitest';
import { channelStats, transferColour } from '../../src/main/imaging/color';
import { rng } from '../helpers/rng';

describe('colour statistics and transfer', () => {
  const r = rng(3);
  const n = 500;
  const data = Uint8Array.from({ length: n * 3 }, () => Math.floor(((r() + 1) / 2) * 256));
  const select = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));

  it('channelStats: mean and deviation per channel over the selected pixels', () => {
    const st = channelStats(data, select);
    for (let c = 0; c < 3; c++) {
      const v = [...Array(n).keys()].filter((i) => select[i]).map((i) => data[i * 3 + c]);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      expect(st.mean[c]).toBeCloseTo(mean, 9);
      expect(st.std[c]).toBeCloseTo(sd, 6);
    }
    expect(st.count).toBe(select.filter((s) => s).length);
  });

  it('transferColour: every pixel gets (v - mean_from) * clamped gain + mean_to, rounded and clamped', () => {
    const from = { mean: [100, 120, 90] as [number, number, number], std: [20, 5, 40] as [number, number, number], count: 10 };
    const to = { mean: [140, 60, 250] as [number, number, number], std: [22, 30, 20] as [number, number, number], count: 10 };
    const out = Uint8Array.from(data);
    transferColour(out, from, to);
    const gain = [22 / 20, 1.25, 0.8];
    for (let i = 0; i < data.length; i++) {
      const c = i % 3;
      const v = (data[i] - from.mean[c]) * gain[c] + to.mean[c];
      expect(out[i]).toBe(v < 0 ? 0 : v > 255 ? 255 : Math.floor(v + 0.5));
    }
  });
});
