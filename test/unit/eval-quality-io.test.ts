import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFloorEncodeArgs, REVIEW_CRF, REVIEW_PRESET } from '../../src/main/eval/quality-floor';
import { composeSheet, cropResizeRgb, writePngRgb } from '../../src/main/eval/quality-sheet';
import { x264ReviewArgs } from '../../src/main/media/args';
import { locateFfmpeg } from '../../src/main/media/locate';
import { UserError } from '../../src/main/util/errors';

const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-quality-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** rgb24 frame w x h where the left half is red and the right half blue. */
function halves(w: number, h: number): Uint8Array {
  const f = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  return f;
}

describe('contact sheet tiles', () => {
  it('crops the rectangle and resizes it by area averaging', () => {
    const frame = halves(100, 60);
    // A 40x40 square centred on the red/blue border, shrunk to 8x8: left half red, right half blue.
    const tile = cropResizeRgb(frame, 100, 60, { x: 30, y: 10, w: 40, h: 40 }, 8);
    expect(tile.length).toBe(8 * 8 * 3);
    expect(Array.from(tile.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(tile.subarray((3 * 8 + 7) * 3, (3 * 8 + 7) * 3 + 3))).toEqual([0, 0, 255]);
    // A square wholly in the red half is all red, upscaled too.
    const red = cropResizeRgb(frame, 100, 60, { x: 0, y: 0, w: 4, h: 4 }, 16);
    expect(red.every((v, i) => v === (i % 3 === 0 ? 255 : 0))).toBe(true);
  });

  it('lays columns side by side, top tile above bottom tile', () => {
    const size = 4;
    const solid = (v: number) => new Uint8Array(size * size * 3).fill(v);
    const sheet = composeSheet([{ top: solid(10), bottom: solid(20) }, { top: solid(30), bottom: solid(40) }], size, 2);
    expect(sheet.width).toBe(10);
    expect(sheet.height).toBe(8);
    const at = (x: number, y: number) => sheet.data[(y * sheet.width + x) * 3];
    expect([at(0, 0), at(3, 7), at(4, 0), at(6, 0), at(9, 7)]).toEqual([10, 20, 32, 30, 40]);
  });

  it('writes a PNG through ffmpeg that decodes to the same pixels, with no temp file left', async () => {
    const w = 6, h = 4;
    const img = { width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256) };
    const out = path.join(dir, 'sheet.png');
    await writePngRgb(out, img);
    const back = execFileSync(locateFfmpeg().ffmpeg, ['-v', 'error', '-i', out, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(Array.from(back)).toEqual(Array.from(img.data));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a sheet path that is not .png, and a missing folder, without leaving files', async () => {
    const img = { width: 2, height: 2, data: new Uint8Array(12) };
    await expect(writePngRgb(path.join(dir, 'sheet.jpg'), img)).rejects.toBeInstanceOf(UserError);
    const missing = path.join(dir, 'no-such-folder', 'sheet.png');
    await expect(writePngRgb(missing, img)).rejects.toMatchObject({ code: 'E_ENCODE_FAILED' });
    expect(existsSync(missing)).toBe(false);
  });
});

describe('noise floor encode', () => {
  const settings = { preset: REVIEW_PRESET, crf: REVIEW_CRF, matrix: 'bt709' as const };

  it('re-encodes a frame-exact range with the review export x264 settings', () => {
    const args = buildFloorEncodeArgs({ input: 'in.mp4', output: 'out.mp4', start: 50, end: 100, fpsNum: 25, fpsDen: 1, settings });
    const review = x264ReviewArgs(REVIEW_PRESET, REVIEW_CRF, 'bt709');
    expect(args.join(' ')).toContain(review.join(' '));
    expect(args[args.indexOf('-ss') + 1]).toBe(((50 - 0.25) / 25).toFixed(6));
    expect(args[args.indexOf('-frames:v') + 1]).toBe('50');
    expect(args.slice(-2)).toEqual(['-y', 'out.mp4']);
    expect(args).toContain('-an');
    const fromStart = buildFloorEncodeArgs({ input: 'in.mp4', output: 'out.mp4', start: 0, end: 10, fpsNum: 25, fpsDen: 1, settings });
    expect(fromStart).not.toContain('-ss');
    const vfr = buildFloorEncodeArgs({ input: 'in.mp4', output: 'out.mp4', start: 5, end: 10, fpsNum: 30000, fpsDen: 1001, forceCfr: true, settings });
    expect(vfr).not.toContain('-ss');
    expect(vfr[vfr.indexOf('-vf') + 1]).toBe('fps=30000/1001,trim=start_frame=5,setpts=PTS-STARTPTS');
  });

  it('uses the grain tune of the export when the clip is grainy', () => {
    const grainy = buildFloorEncodeArgs({ input: 'in.mp4', output: 'out.mp4', start: 0, end: 10, fpsNum: 25, fpsDen: 1, settings: { ...settings, tune: 'grain' } });
    expect(grainy.join(' ')).toContain(x264ReviewArgs(REVIEW_PRESET, REVIEW_CRF, 'bt709', 'grain').join(' '));
    expect(grainy[grainy.indexOf('-tune') + 1]).toBe('grain');
    expect(buildFloorEncodeArgs({ input: 'in.mp4', output: 'out.mp4', start: 0, end: 10, fpsNum: 25, fpsDen: 1, settings })).not.toContain('-tune');
  });

  it('uses the preset of the review export (pipeline/dub.ts DEFAULT_PRESET)', async () => {
    const { DEFAULT_PRESET } = await import('../../src/main/pipeline/dub');
    expect(REVIEW_PRESET).toBe(DEFAULT_PRESET);
  });
});
