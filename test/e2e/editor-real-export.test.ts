import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobSnapshot } from '../../src/shared/api/contract';
import { emptyProject, type Project } from '../../src/shared/project/schema';
import * as ops from '../../src/shared/project/segments';
import { createServices, type Services } from '../../src/main/services/services';
import { createHostHandlers } from '../../src/main/services/host/handlers';
import { InProcessHost } from '../../src/main/services/host/supervisor';
import { createRealPipeline } from '../../src/main/services/pipeline-real';
import { readTakeRender } from '../../src/main/services/render-cache';
import { probeMedia } from '../../src/main/media/probe';
import { decodeFrames } from '../../src/main/media/decode';
import { readRenderedSegment } from '../../src/main/pipeline/segment-render';
import { describeIfSharedMedia, sharedMedia } from '../helpers/shared-media';

describeIfSharedMedia('editor export with the real pipeline (talk-a)', ['talk-a.mp4', 'dub-a.wav'], () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dub-editor-real-'));
  const cache = path.join(dir, 'cache');
  let services: Services;
  let project: Project;

  beforeAll(async () => {
    const host = new InProcessHost(createHostHandlers(createRealPipeline(), cache));
    services = createServices({
      mode: 'bridge', version: 't', cacheDir: cache, stateDir: path.join(dir, 'state'), browseRoots: [dir, path.dirname(sharedMedia('talk-a.mp4')!)],
      pipelineKind: 'real', jobsHost: host, interactiveHost: host, dialogs: null, testHooks: false,
    });
    const v = await services.handlers['media.open']({ path: sharedMedia('talk-a.mp4')!, kind: 'video' });
    const a = await services.handlers['media.open']({ path: sharedMedia('dub-a.wav')!, kind: 'audio' });
    project = ops.setVideo(emptyProject(), { path: v.path, width: v.width, height: v.height, fps: v.fps, frameCount: v.frameCount, duration: v.duration, hasAudio: v.hasAudio });
    project = ops.addTrack(project, { id: 'dub-1', name: 'dub', path: a.path, offset: 0, muted: false });
    project = ops.createSegment(project, 25, 75, { id: 's1', engine: 'reference', params: {} });
  }, 120_000);
  afterAll(async () => services?.dispose());

  it('renders a take, records its lossless render, and exports the segment from it: inside the union box the render, elsewhere the original', async () => {
    const render = await services.queue.wait((await services.handlers['jobs.render']({ project, projectPath: null, segmentId: 's1' })).job.jobId);
    expect(render.error).toBeNull();
    const take = (render.result as Extract<JobSnapshot['result'], { kind: 'render' }>).take;
    project = ops.addTake(project, 's1', take);
    const ref = await readTakeRender(cache, take.cacheKey);
    expect(ref).not.toBeNull();
    expect([ref!.startFrame, ref!.endFrame]).toEqual([25, 75]);

    const out = path.join(dir, 'export.mov');
    const done = await services.queue.wait((await services.handlers['jobs.export']({ project, out, codec: 'prores', audio: ['dub-1'] })).job.jobId);
    expect(done.error).toBeNull();
    const res = done.result as Extract<JobSnapshot['result'], { kind: 'export' }>;
    expect(res).toMatchObject({ readySegments: 1, losslessSegments: 1 });
    expect(res.probe).toMatchObject({ codec: 'prores', pixelFormat: 'yuv422p10le', frames: 125 });

    // ProRes 422 HQ is near-lossless: the exported frames match the lossless render inside the
    // paste box and the original outside it (frames of the segment and outside it).
    const exported = await probeMedia(out);
    const original = await probeMedia(sharedMedia('talk-a.mp4')!);
    const rendered: Uint8Array[] = [];
    for await (const f of readRenderedSegment({ file: ref!.file, startFrame: 25 })) rendered.push(f.data);
    const W = exported.width;
    const { rect, pasteRect: p } = ref!;
    const meanDiff = (a: Uint8Array, b: (x: number, y: number, c: number) => number, box: { x: number; y: number; w: number; h: number }) => {
      let d = 0;
      for (let y = box.y; y < box.y + box.h; y++) for (let x = box.x; x < box.x + box.w; x++) for (let c = 0; c < 3; c++) d += Math.abs(a[(y * W + x) * 3 + c] - b(x, y, c));
      return d / (box.w * box.h * 3);
    };
    for (const n of [10, 40, 60, 100]) {
      const e = (await decodeFrames(exported, { start: n, end: n + 1 }).next()).value!.data;
      const o = (await decodeFrames(original, { start: n, end: n + 1 }).next()).value!.data;
      // The middle of the paste box (the mouth): where the dub changes the most.
      const mouth = { x: p.x + Math.round(p.w / 3), y: p.y + Math.round(p.h / 3), w: Math.round(p.w / 3), h: Math.round(p.h / 3) };
      const fromOriginal = meanDiff(e, (x, y, c) => o[(y * W + x) * 3 + c], mouth);
      if (n >= 25 && n < 75) {
        const r = rendered[n - 25];
        const fromRender = meanDiff(e, (x, y, c) => r[((y - rect.y) * rect.w + (x - rect.x)) * 3 + c], p);
        const mouthFromRender = meanDiff(e, (x, y, c) => r[((y - rect.y) * rect.w + (x - rect.x)) * 3 + c], mouth);
        expect(fromRender).toBeLessThan(2.5);
        // The engine moves the target's own pixels (most of the box stays the original's), so
        // the dub shows as a smaller mean change over the box than a pasted lower face did.
        expect(fromOriginal).toBeGreaterThan(Math.max(2, mouthFromRender + 1));
      } else {
        expect(fromOriginal).toBeLessThan(2.5);
      }
      // Outside the paste box: the original (only the codec's rounding).
      expect(meanDiff(e, (x, y, c) => o[(y * W + x) * 3 + c], { x: 0, y: 0, w: W, h: p.y })).toBeLessThan(1.5);
    }
  }, 240_000);
});
