import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, jobSnapshotSchema } from '../../src/shared/api/contract';
import type { QualityReportWire } from '../../src/shared/api/quality';
import { emptyProject, type Project, type Take } from '../../src/shared/project/schema';
import * as ops from '../../src/shared/project/segments';
import { createServices, type Services } from '../../src/main/services/services';
import type { HostCaller } from '../../src/main/services/host/supervisor';
import { takePath } from '../../src/main/services/render-cache';
import { runQualityCheck } from '../../src/main/services/host/quality-check';
import { generatedMedia } from '../ui/helpers/media';

/**
 * `jobs.qualityCheck`: the service queues a job on the jobs host for the segment's take (stub
 * host: arguments, one job per take while it runs, cancel, the result on the wire), and the host
 * side on a clip without faces reports the 'no-face' verdict instead of failing (real tracker).
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'dub-quality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const media = generatedMedia(path.join(dir, 'media'), { seconds: 1, size: 160 });

const report: QualityReportWire = {
  range: { startFrame: 5, endFrame: 20 }, framesChecked: 15, framesSkipped: 0,
  flags: [{ frame: 7, figure: 'seam', value: 3, floor: 2, reason: 'Seam score 3.00 is 1.5x the re-encode\'s 2.00.' }],
  worst: [{ frame: 7, figure: 'seam', value: 3, floor: 2 }],
  clipRatio: { sharpness: 0.98, outsideChange: 1.1, seam: 1.2, ssim: 0.99, flicker: null },
  faceLimit: { code: null, reason: null, facedShare: 1, faceHeightPx: 300, yawDeg: 3, score: 0.9 },
  warnings: [],
};

function take(id: string, cacheKey: string): Take {
  return {
    id, specKey: 'spec', cacheKey, createdAt: new Date().toISOString(), engine: 'reference', params: {}, reference: { startFrame: 0, endFrame: 5 },
    referenceReason: '', frames: 15, renderSec: 1, warnings: [], settings: { face: null, reference: null, occlusion: { shapes: [] } },
  };
}

describe('jobs.qualityCheck service (stub jobs host)', () => {
  const calls: Array<{ method: string; args: unknown }> = [];
  let release: (() => void) | null = null;
  const host: HostCaller = {
    call: (async (method: string, args: unknown, opts?: { signal?: AbortSignal; onProgress?: (p: unknown) => void }) => {
      calls.push({ method, args });
      if (method !== 'qualityCheck') throw new Error(`unexpected ${method}`);
      opts?.onProgress?.({ stage: 'track', done: 1, total: 2, fps: 0, etaSec: NaN });
      await new Promise<void>((resolve, reject) => {
        release = resolve;
        opts?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('cancelled'), { code: 'E_CANCELLED' })));
      });
      return report;
    }) as HostCaller['call'],
  };
  let services: Services;
  let project: Project;
  const cacheDir = path.join(dir, 'cache');
  beforeAll(() => {
    services = createServices({
      mode: 'bridge', version: 't', cacheDir, stateDir: path.join(dir, 'state'), browseRoots: [dir], pipelineKind: 'fake',
      jobsHost: host, interactiveHost: host, dialogs: null, testHooks: false,
    });
    project = ops.setVideo(emptyProject(), { path: media.video, width: 160, height: 160, fps: 25, frameCount: 25, duration: 1, hasAudio: true });
    project = ops.addTrack(project, { id: 'dub-1', name: 'dub', path: media.dub, offset: 0, muted: false });
    project = ops.createSegment(project, 5, 20, { id: 's1', engine: 'reference', params: {} });
  });
  afterAll(async () => services?.dispose());

  it('needs a take, and the take file', async () => {
    const h = services.handlers['jobs.qualityCheck'];
    await expect(h({ project, segmentId: 'nope' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(h({ project, segmentId: 's1' })).rejects.toMatchObject({ code: 'E_NO_TAKE' });
    project = ops.addTake(project, 's1', take('take-1', 'k1'));
    await expect(h({ project, segmentId: 's1' })).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining('take') });
    expect(contract['jobs.qualityCheck'].request.safeParse({ project, segmentId: '' }).success).toBe(false);
  });

  it('runs on the jobs host with the take and the segment range; one job per take while it runs; cancellable', async () => {
    const file = takePath(cacheDir, 'k1');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'not a video: the stub host never reads it');
    const h = services.handlers['jobs.qualityCheck'];
    const { job } = await h({ project, segmentId: 's1' });
    expect(contract['jobs.qualityCheck'].response.safeParse({ job }).success).toBe(true);
    expect(job).toMatchObject({ kind: 'quality', segmentId: 's1' });
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]).toEqual({ method: 'qualityCheck', args: { video: media.video, take: file, range: { startFrame: 5, endFrame: 20 }, face: null, cacheDir } });
    expect((await h({ project, segmentId: 's1' })).job.jobId).toBe(job.jobId);
    expect((await services.handlers['jobs.cancel']({ jobId: job.jobId })).cancelled).toBe(true);
    expect((await services.queue.wait(job.jobId)).state).toBe('cancelled');

    const again = (await h({ project, segmentId: 's1' })).job;
    expect(again.jobId).not.toBe(job.jobId);
    await expect.poll(() => calls.length).toBe(2);
    release!();
    const done = await services.queue.wait(again.jobId);
    expect(done.state).toBe('done');
    expect(jobSnapshotSchema.safeParse(JSON.parse(JSON.stringify(done))).success).toBe(true);
    expect(done.result).toMatchObject({ kind: 'quality', segmentId: 's1', takeId: 'take-1', framesChecked: 15, flags: [{ frame: 7, figure: 'seam' }] });
  });
});

describe('qualityCheck on the host (real tracker)', () => {
  it("a clip without faces gives the 'no-face' verdict and no figures instead of an error", async () => {
    const r = await runQualityCheck(
      { video: media.video, take: media.video, range: { startFrame: 2, endFrame: 12 }, face: null, cacheDir: path.join(dir, 'cache') },
      { signal: new AbortController().signal, onProgress: () => {} },
    );
    expect(r.faceLimit?.code).toBe('no-face');
    expect(r.faceLimit?.reason).toMatch(/left as the original/);
    expect(r).toMatchObject({ framesChecked: 0, framesSkipped: 10, flags: [], worst: [], clipRatio: null });
  }, 180_000);
});
