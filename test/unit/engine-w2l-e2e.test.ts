import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createWav2LipEngine } from '../../src/main/engines/wav2lip';
import { boxCrop, wav2lipFaceTensor } from '../../src/main/engines/wav2lip/prepared';
import { lowerFaceAlpha, meshBounds, padBox, smoothBoxes } from '../../src/main/engines/wav2lip/boxes';
import { wav2lipMelChunks, wav2lipMelSpectrogram } from '../../src/main/audio/mel';
import { segmentMelChunks } from '../../src/main/engines/common/mel-chunks';
import type { Engine, Patch } from '../../src/main/engines/types';
import { closeAllPacks } from '../../src/main/models/sessions';
import { CancelledError } from '../../src/main/util/errors';
import { GraphBuilder } from '../helpers/onnx-builder';
import { segmentContext, syntheticClip, writeTinyWav2LipPack, type SyntheticClip } from '../helpers/tiny-packs';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'w2l-'));
});
afterAll(async () => {
  await closeAllPacks(root);
  await rm(root, { recursive: true, force: true });
});

async function renderAll(engine: Engine, clip: SyntheticClip, start: number, end: number, params: Record<string, number> = {}, signal?: AbortSignal): Promise<(Patch | null)[]> {
  const prep = await engine.prepare(segmentContext(clip, { start, end }, { start: 0, end: 10 }, params, { signal }));
  const out: (Patch | null)[] = [];
  for (let s = start; s < end; s += prep.windowSize) out.push(...(await prep.renderWindow(clip.frames.slice(s, Math.min(end, s + prep.windowSize)).map((frame) => ({ frame, sample: clip.track.frames[frame.index] })))));
  return out;
}

describe('Wav2Lip boxes (inference.py semantics)', () => {
  it('smooths with a forward window of T boxes and the last T for the tail', () => {
    const boxes = [0, 1, 2, 3, 4, 5].map((v) => [v, v, v + 10, v + 10] as [number, number, number, number]);
    const s = smoothBoxes(boxes, 3);
    expect(s.map((b) => b[0])).toEqual([1, 2, 3, 4, 4, 4]);
    expect(smoothBoxes(boxes, 1)).toEqual(boxes);
    expect(smoothBoxes(boxes.slice(0, 2), 5).map((b) => b[0])).toEqual([0.5, 0.5]);
  });

  it('pads [top, bottom, left, right] and clips to the frame', () => {
    expect(padBox([10, 20, 50, 60], [0, 10, 0, 0], 100, 100)).toEqual([10, 20, 50, 70]);
    expect(padBox([10, 20, 50, 95], [5, 10, 20, 60], 100, 100)).toEqual([0, 15, 100, 100]);
    expect(padBox([10, 20, 11, 60], [0, 0, 0, 0], 100, 100)).toBeNull();
  });

  it('pastes only the lower face: alpha 0 above 45 % of the box, 1 in the lower middle', () => {
    const a = lowerFaceAlpha(50, 60);
    for (let y = 0; y < 27; y++) for (let x = 0; x < 50; x++) expect(a[y * 50 + x]).toBe(0);
    expect(a[45 * 50 + 25]).toBe(1);
  });

  it('face input: masked crop (lower half zeroed) then reference, BGR / 255', () => {
    const S = 4;
    const crop = new Uint8Array(S * S * 3).map((_, i) => (i % 3 === 0 ? 255 : i % 3 === 1 ? 0 : 51)); // R 255, G 0, B 51
    const ref = new Uint8Array(S * S * 3).fill(102);
    const t = wav2lipFaceTensor([crop], [ref], S);
    const P = S * S;
    expect(t[0]).toBeCloseTo(0.2, 6); // B of the crop first
    expect(t[2 * P]).toBeCloseTo(1, 6); // R last
    expect(t[S * 2]).toBe(0); // row 2 of 4 (>= S/2) zeroed
    expect(t[2 * P + P - 1]).toBe(0);
    expect(t[3 * P + P - 1]).toBeCloseTo(0.4, 6); // reference kept whole
  });
});

describe('segment mel chunks', () => {
  it('equal the whole-clip Wav2Lip chunks for any segment, including the end clamp', () => {
    const sr = 16000;
    const audio = new Float32Array(Math.round(4.1 * sr));
    for (let i = 0; i < audio.length; i++) audio[i] = 0.3 * Math.sin(i * 0.05) * Math.sin(i / 3000) + 0.05 * Math.sin(i * 0.71);
    for (const fps of [25, 30000 / 1001]) {
      const total = Math.ceil(4.1 * fps) + 3; // past the audio end: clamped to the last 16 columns
      const full = wav2lipMelChunks(wav2lipMelSpectrogram(audio), fps, total);
      for (const [a, b] of [
        [0, 10],
        [37, 60],
        [total - 9, total],
      ]) {
        const seg = segmentMelChunks(audio, fps, a, b);
        const ref = full.data.subarray(a * 1280, b * 1280);
        let maxErr = 0;
        for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(seg[i] - ref[i]));
        expect(maxErr).toBeLessThan(1e-4);
      }
    }
  });
});

describe('Wav2Lip engine end to end', () => {
  it('renders patches at the padded face box from a pack folder and from a bare .onnx', async () => {
    const dir = path.join(root, 'pack');
    await writeTinyWav2LipPack(dir);
    const clip = syntheticClip({ frames: 20, missing: [5] });
    for (const pack of [dir, path.join(dir, 'wav2lip.onnx')]) {
      const engine = await createWav2LipEngine({ pack, providers: ['cpu'] });
      expect(engine.describe().id).toBe('wav2lip');
      expect(engine.describe().notes.join(' ')).toMatch(/generator: CPU/);
      const patches = await renderAll(engine, clip, 2, 20, { smooth: 1 });
      expect(patches).toHaveLength(18);
      expect(patches[3]).toBeNull(); // frame 5 has no face
      const p = patches[0]!;
      const box = padBox(meshBounds(clip.track.frames[2]!), [0, 10, 0, 0], clip.video.width, clip.video.height)!;
      expect([p.x, p.y, p.x + p.width, p.y + p.height]).toEqual(box);
      expect(p.data.length).toBe(p.width * p.height * 3);
      expect(p.alpha[0]).toBe(0);
    }
  });

  it('feeds the Wav2Lip-exact mel chunk of each clip frame (offset segments included)', async () => {
    // Probe generator: every output pixel = 0.5 + 0.05 * mean(mel chunk) (+ 0 * face).
    const g = new GraphBuilder('probe');
    g.input('audio_sequences', 'float32', ['N', 1, 80, 16]);
    g.input('face_sequences', 'float32', ['N', 6, 96, 96]);
    const mm = g.op('ReduceMean', ['audio_sequences'], { axes: [1, 2, 3], keepdims: 1 });
    const fz = g.op('Mul', [g.op('ReduceMean', ['face_sequences'], { axes: [1, 2, 3], keepdims: 1 }), g.scalar(0)]);
    const v = g.op('Add', [g.op('Add', [g.op('Mul', [mm, g.scalar(0.05)]), g.scalar(0.5)]), fz]);
    g.op('Expand', [v, g.ints([1, 3, 96, 96])], {}, 'output');
    g.output('output', 'float32', ['N', 3, 96, 96]);
    const file = path.join(root, 'probe.onnx');
    await writeFile(file, g.toBytes());
    const clip = syntheticClip({ frames: 30, fps: 25 });
    clip.audio.fill(0, 0.5 * 16000, 0.8 * 16000); // a pause, so chunks differ clearly
    const engine = await createWav2LipEngine({ pack: file, providers: ['cpu'] });
    const patches = await renderAll(engine, clip, 7, 30, { smooth: 1 });
    const chunks = wav2lipMelChunks(wav2lipMelSpectrogram(clip.audio), 25, 30);
    for (let k = 0; k < patches.length; k++) {
      const i = 7 + k;
      const chunk = chunks.data.subarray(i * 1280, (i + 1) * 1280);
      const mean = chunk.reduce((s, x) => s + x, 0) / 1280;
      const p = patches[k]!;
      const centre = p.data[((p.height >> 1) * p.width + (p.width >> 1)) * 3];
      expect(Math.abs(centre - 255 * (0.5 + 0.05 * mean))).toBeLessThanOrEqual(1);
    }
    // Frames differ (the audio changes), so the check above can fail.
    expect(new Set(patches.map((p) => p!.data[0])).size).toBeGreaterThan(3);
  });

  it('batches frames; a fixed-batch model runs one frame per call and gives the same result', async () => {
    const a = path.join(root, 'dyn');
    const b = path.join(root, 'fixed');
    await writeTinyWav2LipPack(a);
    await writeTinyWav2LipPack(b, { batch: 1, id: 'fixed' });
    const clip = syntheticClip({ frames: 12 });
    const pa = await renderAll(await createWav2LipEngine({ pack: a, providers: ['cpu'] }), clip, 0, 12);
    const pb = await renderAll(await createWav2LipEngine({ pack: b, providers: ['cpu'] }), clip, 0, 12);
    pa.forEach((p, i) => expect(Buffer.from(p!.data).equals(Buffer.from(pb[i]!.data))).toBe(true));
  });

  it('can take its reference from the lip-habit range; is cancellable', async () => {
    const dir = path.join(root, 'ref');
    await writeTinyWav2LipPack(dir);
    const engine = await createWav2LipEngine({ pack: dir, providers: ['cpu'] });
    const clip = syntheticClip({ frames: 14 });
    const own = await renderAll(engine, clip, 10, 14);
    const habit = await renderAll(engine, clip, 10, 14, { referenceFromHabit: 1 });
    expect(own.some((p, i) => !Buffer.from(p!.data).equals(Buffer.from(habit[i]!.data)))).toBe(true);
    const ac = new AbortController();
    ac.abort();
    await expect(renderAll(engine, clip, 0, 4, {}, ac.signal)).rejects.toBeInstanceOf(CancelledError);
    expect(boxCrop(clip.frames[0], [0, 0, 10, 10], 5)).toHaveLength(75);
  });
});
