import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeFrames } from '../../src/main/media/decode';
import { yuvMatrixOf } from '../../src/main/media/matrix';
import { probeMedia } from '../../src/main/media/probe';
import type { RgbFrame } from '../../src/main/media/types';
import { mouthOpening } from '../../src/main/tracking/landmarks';
import { FaceMeshDetector } from '../../src/main/tracking/mesh-detector';
import { OrtFaceMeshDetector, ortFaceMeshSettingsKey } from '../../src/main/tracking/ort/ort-face-mesh';
import { buildTracks } from '../../src/main/tracking/tracker';
import type { FaceObservation } from '../../src/main/tracking/types';
import { UserError } from '../../src/main/util/errors';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';

const FRAMES = 60;

/** Mean point distance (pixels, x/y) between two meshes. */
function meanDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 3) s += Math.hypot(a[i] - b[i], a[i + 1] - b[i + 1]);
  return s / (a.length / 3);
}

/** Mean absolute second difference of the landmarks over time (pixels): frame-to-frame jitter. */
function jitter(meshes: Float32Array[]): number {
  let s = 0;
  let n = 0;
  for (let t = 1; t + 1 < meshes.length; t++) {
    for (let i = 0; i < meshes[t].length; i += 3) {
      for (const o of [0, 1]) {
        s += Math.abs(meshes[t - 1][i + o] - 2 * meshes[t][i + o] + meshes[t + 1][i + o]);
        n++;
      }
    }
  }
  return s / n;
}

describeIfSharedMedia('native face tracker (ORT) on talk-a.mp4', ['talk-a.mp4'], () => {
  const frames: RgbFrame[] = [];
  let modelless: string;

  beforeAll(async () => {
    const info = await probeMedia(sharedMedia('talk-a.mp4')!);
    for await (const f of decodeFrames(info, { start: 0, end: FRAMES })) frames.push(f);
    modelless = await mkdtemp(join(tmpdir(), 'no-models-'));
  });
  afterAll(async () => {
    if (modelless) await rm(modelless, { recursive: true, force: true });
  });

  it('finds the face with the landmarks of the tfjs (Human) tracker, to about a pixel', async () => {
    const ort = await OrtFaceMeshDetector.create();
    const human = await FaceMeshDetector.create();
    const distances: number[] = [];
    for (const f of frames.slice(0, 20)) {
      const [a] = await ort.detect(f);
      const [b] = await human.detect(f);
      expect(a && b).toBeTruthy();
      expect(a.mesh).toHaveLength(468 * 3);
      expect(a.score).toBeGreaterThan(0.9);
      distances.push(meanDistance(a.mesh, b.mesh));
      // Same face box to within a few pixels (Human truncates to integers).
      for (let k = 0; k < 4; k++) expect(Math.abs(a.box[k] - b.box[k])).toBeLessThan(4);
    }
    // Human truncates every landmark to whole pixels, so ~0.5-1 px apart is the expected floor.
    expect(distances.reduce((x, y) => x + y) / distances.length).toBeLessThan(1.5);
    await ort.dispose();
  });

  it('gives the same landmarks from yuv420p frames (what the pipeline decodes) as from their rgb24 conversion', async () => {
    const info = await probeMedia(sharedMedia('talk-a.mp4')!);
    const matrix = yuvMatrixOf(info)!;
    expect(matrix).toBeTruthy();
    const rgb = await OrtFaceMeshDetector.create({ redetectEvery: 1 });
    const yuv = await OrtFaceMeshDetector.create({ redetectEvery: 1 });
    const distances: number[] = [];
    for await (const f of decodeFrames(info, { start: 0, end: 20, pixFmt: 'yuv420p' })) {
      const [a] = await rgb.detect(frames[f.index]);
      const [b] = await yuv.detect({ ...f, yuvMatrix: matrix });
      expect(a && b).toBeTruthy();
      distances.push(meanDistance(a.mesh, b.mesh));
    }
    // ffmpeg's integer yuv -> rgb24 runs ~1 level below the exact conversion we sample with,
    // which moves landmarks by a fraction of a pixel (less than re-detecting does).
    expect(distances.reduce((x, y) => x + y) / distances.length).toBeLessThan(0.5);
    expect(Math.max(...distances)).toBeLessThan(1);
    await expect(yuv.detect({ ...frames[0], pixFmt: 'yuv420p' })).rejects.toThrow(/yuv420p/);
    await rgb.dispose();
    await yuv.dispose();
  });

  it('follows the face with the mesh between detections: 1/5 of the detector runs, same landmarks and no more jitter', async () => {
    const every = await OrtFaceMeshDetector.create({ redetectEvery: 1 });
    const tracked = await OrtFaceMeshDetector.create({ redetectEvery: 5 });
    const a: FaceObservation[][] = [];
    const b: FaceObservation[][] = [];
    for (const f of frames) {
      a.push(await every.detect(f));
      b.push(await tracked.detect(f));
    }
    expect(every.detectorRuns).toBe(FRAMES);
    expect(tracked.detectorRuns).toBe(FRAMES / 5);
    expect(b.every((faces) => faces.length === 1)).toBe(true);
    const size = { width: frames[0].width, height: frames[0].height };
    const ta = buildTracks(a, size).tracks[0].frames.map((s) => s!.mesh);
    const tb = buildTracks(b, size).tracks[0].frames.map((s) => s!.mesh);
    const dist = ta.map((m, i) => meanDistance(m, tb[i]));
    expect(dist.reduce((x, y) => x + y) / dist.length).toBeLessThan(2); // measured ~0.9 px
    expect(jitter(tb)).toBeLessThan(jitter(ta) * 1.1);
    // The mouth still moves the same way.
    const oa = ta.map((m) => mouthOpening(m));
    const ob = tb.map((m) => mouthOpening(m));
    for (let i = 0; i < oa.length; i++) expect(Math.abs(oa[i] - ob[i])).toBeLessThan(0.03);
  });

  it('looks for faces again after reset() and when the followed face is lost', async () => {
    const d = await OrtFaceMeshDetector.create({ redetectEvery: 10 });
    await d.detect(frames[0]);
    await d.detect(frames[1]);
    expect(d.detectorRuns).toBe(1);
    d.reset();
    await d.detect(frames[2]);
    expect(d.detectorRuns).toBe(2);
    // A black frame: the mesh loses the face, the detector runs on that frame and finds nothing.
    const black: RgbFrame = { ...frames[3], data: new Uint8Array(frames[3].data.length) };
    expect(await d.detect(black)).toEqual([]);
    expect(d.detectorRuns).toBe(3);
    // Next frame: nothing to follow, so the detector runs and finds her again.
    expect(await d.detect(frames[4])).toHaveLength(1);
    expect(d.detectorRuns).toBe(4);
  });

  it('rejects a bad frame buffer and bad options; a missing model is a user error naming the file', async () => {
    const d = await OrtFaceMeshDetector.create();
    await expect(d.detect({ index: 0, width: 10, height: 10, data: new Uint8Array(10) })).rejects.toThrow(/300 bytes/);
    await expect(OrtFaceMeshDetector.create({ redetectEvery: 0 })).rejects.toThrow(/redetectEvery/);
    const err = await OrtFaceMeshDetector.create({ paths: { modelDir: modelless } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('E_MODEL_MISSING');
    expect((err as UserError).message).toContain('blazeface.json');
    expect(ortFaceMeshSettingsKey({ redetectEvery: 5 })).not.toBe(ortFaceMeshSettingsKey({ redetectEvery: 1 }));
  });
});
