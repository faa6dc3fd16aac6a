import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rgbToYuv420p } from '../../src/main/imaging/yuv';
import { AsyncQueue } from '../../src/main/util/async-queue';
import { locateFfmpeg } from '../../src/main/media/locate';

describe('rgbToYuv420p', () => {
  it('matches ffmpeg (swscale) to within a couple of levels on smooth images, for both matrices', () => {
    const w = 32, h = 24;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 3;
      data[p] = 40 + x * 5; data[p + 1] = 200 - y * 6; data[p + 2] = 90 + ((x + y) * 3) % 120;
    }
    for (const m of ['bt601', 'bt709'] as const) {
      const ours = rgbToYuv420p({ index: 0, width: w, height: h, data }, m).data;
      const r = spawnSync(locateFfmpeg().ffmpeg, ['-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-i', '-', '-vf', `scale=out_color_matrix=${m}:out_range=tv`, '-pix_fmt', 'yuv420p', '-f', 'rawvideo', '-'], { input: Buffer.from(data) });
      const ref = new Uint8Array(r.stdout);
      expect(ref.length).toBe(ours.length);
      let maxY = 0, maxC = 0;
      for (let i = 0; i < ours.length; i++) {
        const d = Math.abs(ours[i] - ref[i]);
        if (i < w * h) maxY = Math.max(maxY, d);
        else if ((i - w * h) % (w / 2) !== 0 && (i - w * h) % (w / 2) !== w / 2 - 1) maxC = Math.max(maxC, d);
      }
      expect(maxY).toBeLessThanOrEqual(1);
      expect(maxC).toBeLessThanOrEqual(3);
    }
  });
});

describe('AsyncQueue', () => {
  it('applies back-pressure, preserves order and delivers the close error after draining', async () => {
    const q = new AsyncQueue<number>(2);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await q.push(i);
        pushed++;
      }
      q.close(new Error('render failed'));
    })();
    await new Promise((r) => setTimeout(r, 5));
    expect(pushed).toBe(2);
    const got: number[] = [];
    await expect(async () => {
      while (true) {
        const n = await q.next();
        if (n.done) break;
        got.push(n.value);
      }
    }).rejects.toThrow('render failed');
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
});
