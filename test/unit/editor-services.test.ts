import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../src/shared/api/contract';
import { emptyProject, type Project } from '../../src/shared/project/schema';
import * as ops from '../../src/shared/project/segments';
import { createServices, type Services } from '../../src/main/services/services';
import { createHostHandlers } from '../../src/main/services/host/handlers';
import { HostSupervisor, InProcessHost, workerLauncher } from '../../src/main/services/host/supervisor';
import { createFakePipeline } from '../../src/main/services/pipeline-fake';
import { buildExportPlan } from '../../src/main/services/export-plan';
import { ProgressTracker } from '../../src/main/services/jobs';
import { generatedMedia } from '../ui/helpers/media';
import { createRealPipeline } from '../../src/main/services/pipeline-real';
import { writeTinyLdPack } from '../helpers/tiny-packs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dub-services-'));
const cache = path.join(dir, 'cache');
let media: { video: string; dub: string };
let services: Services;
let project: Project;

/** RGB of one pixel of frame `n` (decoded with ffmpeg). */
function pixel(file: string, n: number, x: number, y: number): [number, number, number] {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n}),format=rgb24,crop=1:1:${x}:${y}`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  return [buf[0], buf[1], buf[2]];
}

async function waitJob(id: string): Promise<JobSnapshot> {
  return services.queue.wait(id);
}

beforeAll(async () => {
  media = generatedMedia(path.join(dir, 'media'), { seconds: 2, size: 160 });
  const host = new InProcessHost(createHostHandlers(createFakePipeline(), cache));
  services = createServices({
    mode: 'bridge',
    version: 't',
    cacheDir: cache,
    stateDir: path.join(dir, 'state'),
    browseRoots: [dir],
    pipelineKind: 'fake',
    jobsHost: host,
    interactiveHost: host,
    dialogs: null,
    testHooks: false,
  });
  const v = await services.handlers['media.open']({ path: media.video, kind: 'video' });
  expect([v.width, v.height, v.frameCount, v.fps, v.hasAudio]).toEqual([160, 160, 50, 25, true]);
  const a = await services.handlers['media.open']({ path: media.dub, kind: 'audio' });
  expect(a.duration).toBeCloseTo(2, 1);
  project = ops.setVideo(emptyProject(), { path: v.path, width: v.width, height: v.height, fps: v.fps, frameCount: v.frameCount, duration: v.duration, hasAudio: v.hasAudio });
  project = ops.addTrack(project, { id: 'dub-1', name: 'dub', path: a.path, offset: 0, muted: false });
  project = ops.createSegment(project, 10, 30, { id: 's1', engine: 'reference', params: { smoothness: 0.5, feather: 8 } });
});

afterAll(async () => services?.dispose());

describe('services with the fake pipeline', () => {
  it('computes peaks, thumbnails and speech for the timeline', async () => {
    const peaks = await services.handlers['media.peaks']({ path: media.dub, peaksPerSecond: 50 });
    expect(peaks.peaks.length).toBe(200);
    const thumbs = await services.handlers['media.thumbnails']({ path: media.video, count: 5, height: 32 });
    expect(existsSync(thumbs.sprite)).toBe(true);
    expect(thumbs.times).toHaveLength(5);
    const speech = await services.handlers['audio.speech']({ path: media.dub, offset: 0.5 });
    expect(speech.ranges.length).toBeGreaterThanOrEqual(1);
    expect(speech.ranges[0].start).toBeGreaterThanOrEqual(0.5);
  });

  it('renders a segment take, then serves the same request from the cache instantly', async () => {
    const first = await services.handlers['jobs.render']({ project, projectPath: null, segmentId: 's1' });
    const done = await waitJob(first.job.jobId);
    expect(done.state).toBe('done');
    expect(done.result?.kind).toBe('render');
    const r = done.result as Extract<JobSnapshot['result'], { kind: 'render' }>;
    expect(r.cached).toBe(false);
    expect(r.take.frames).toBe(20);
    expect(existsSync(r.path)).toBe(true);
    const again = await services.handlers['jobs.render']({ project, projectPath: null, segmentId: 's1' });
    expect(again.job.state).toBe('done');
    const cachedResult = again.job.result as typeof r;
    expect(cachedResult.cached).toBe(true);
    expect(cachedResult.take.cacheKey).toBe(r.take.cacheKey);
    project = ops.addTake(project, 's1', r.take);
    // A changed slider is a different render.
    const changed = ops.setSegmentParam(project, 's1', 'smoothness', 0.9);
    const third = await services.handlers['jobs.render']({ project: changed, projectPath: null, segmentId: 's1' });
    expect(third.job.state).toBe('queued');
    services.queue.cancel(third.job.jobId);
    expect((await waitJob(third.job.jobId)).state).toBe('cancelled');
  });

  it('exports H.264, HEVC and ProRes 422 HQ with the take spliced in, frame-exact', async () => {
    const expectations = [
      ['h264', 'out.mp4', 'h264', 'yuv420p', 'aac'],
      ['hevc', 'out-hevc.mp4', 'hevc', 'yuv420p', 'aac'],
      ['prores', 'out.mov', 'prores', 'yuv422p10le', 'pcm_s24le'],
    ] as const;
    for (const [codec, name, vcodec, pix, acodec] of expectations) {
      const out = path.join(dir, name);
      const { job } = await services.handlers['jobs.export']({ project, out, codec, audio: ['original', 'dub-1'] });
      const done = await waitJob(job.jobId);
      expect(done.error).toBeNull();
      const res = done.result as Extract<JobSnapshot['result'], { kind: 'export' }>;
      expect(res.readySegments).toBe(1);
      expect(res.probe).toMatchObject({ codec: vcodec, pixelFormat: pix, width: 160, height: 160, frames: 50, audioCodec: acodec });
      expect(res.probe.duration).toBeCloseTo(2, 1);
      if (codec === 'h264') {
        // Inside the segment (frames 10-29) the take's frames (the fake engine's red box) are used.
        const inside = pixel(out, 20, 80, 112);
        const before = pixel(out, 5, 80, 112);
        const after = pixel(out, 40, 80, 112);
        expect(inside[0] - inside[1]).toBeGreaterThan(60);
        expect(Math.abs(before[0] - before[1]) < 60 || before[0] - before[1] < inside[0] - inside[1] - 40).toBe(true);
        expect(after[0] - after[1]).toBeLessThan(inside[0] - inside[1] - 40);
      }
    }
  });

  it('refuses bad export targets with a message and a hint', async () => {
    await expect(services.handlers['jobs.export']({ project, out: path.join(dir, 'x.mp4'), codec: 'prores', audio: [] })).rejects.toMatchObject({ code: 'E_BAD_OUTPUT' });
    await expect(services.handlers['jobs.export']({ project, out: media.video, codec: 'h264', audio: [] })).rejects.toMatchObject({ code: 'E_OUT_IS_INPUT' });
    await expect(services.handlers['jobs.export']({ project, out: '/etc/x.mp4', codec: 'h264', audio: [] })).rejects.toMatchObject({ code: 'E_ACCESS' });
  });

  it('reports unreadable input as a user error', async () => {
    await expect(services.handlers['media.open']({ path: path.join(dir, 'state'), kind: 'video' })).rejects.toMatchObject({ name: 'UserError' });
  });
});

describe('engine parameter schemas for model packs', () => {
  it('lists pack engines, and describes the latent-diffusion engine of a pack with λa, λh, steps, seed', async () => {
    const real = createRealPipeline();
    const listed = await real.listEngines();
    expect(listed.engines.map((e) => e.id)).toEqual(expect.arrayContaining(['reference', 'latent-diffusion', 'wav2lip']));
    const packDir = path.join(dir, 'tiny-ld-pack');
    await writeTinyLdPack(packDir, { habit: 'encoder' });
    const desc = await real.describeEngine('latent-diffusion', packDir);
    expect(desc.params.map((p) => p.key)).toEqual(expect.arrayContaining(['lambdaA', 'lambdaH', 'steps', 'seed']));
    const lambdaH = desc.params.find((p) => p.key === 'lambdaH')!;
    expect(lambdaH.help).toMatch(/habit/i);
    await expect(real.describeEngine('latent-diffusion', path.join(dir, 'no-such-pack'))).rejects.toMatchObject({ name: 'UserError' });
  }, 120_000);
});

describe('export plan', () => {
  it('cuts the original around the takes and concatenates in order', () => {
    const plan = buildExportPlan({
      video: { path: '/v.mp4', frameCount: 100, fps: 25, width: 64, height: 64 },
      takes: [
        { path: '/t2.mp4', startFrame: 60, endFrame: 70 },
        { path: '/t1.mp4', startFrame: 0, endFrame: 10 },
      ],
      audio: [{ kind: 'dub', path: '/d.wav', offset: -0.5 }],
      codec: 'h264',
      out: '/o.mp4',
    });
    expect(plan.pieces).toEqual([
      { source: 'take', startFrame: 0, endFrame: 10 },
      { source: 'original', startFrame: 10, endFrame: 60 },
      { source: 'take', startFrame: 60, endFrame: 70 },
      { source: 'original', startFrame: 70, endFrame: 100 },
    ]);
    const fc = plan.args[plan.args.indexOf('-filter_complex') + 1];
    expect(fc).toContain('concat=n=4:v=1:a=0');
    expect(fc).toContain('atrim=start=0.500000');
    expect(plan.args).toContain('-frames:v');
    expect(() => buildExportPlan({ video: { path: '/v', frameCount: 10, fps: 25, width: 2, height: 2 }, takes: [{ path: '/t', startFrame: 5, endFrame: 20 }], audio: [], codec: 'h264', out: '/o.mp4' })).toThrow();
  });
});

describe('job progress', () => {
  it('maps pipeline stages onto one fraction with an ETA', () => {
    let t = 0;
    const tr = new ProgressTracker(undefined, () => t);
    expect(tr.update({ stage: 'probe', done: 0, total: 1, fps: 0, etaSec: Number.NaN }).fraction).toBe(0);
    t = 10_000;
    const mid = tr.update({ stage: 'render', done: 50, total: 100, fps: 5, etaSec: 10 });
    expect(mid.fraction).toBeCloseTo(0.45 + 0.225, 5);
    expect(mid.etaSec).toBeGreaterThan(0);
    expect(tr.update({ stage: 'done', done: 1, total: 1, fps: 0, etaSec: 0 }).fraction).toBe(1);
  });
});

describe('inference host supervision', () => {
  it('a crashed host fails the job in flight and is restarted for the next call', async () => {
    const restarts: string[] = [];
    const host = new HostSupervisor('test', workerLauncher(new URL('../../src/main/services/host/host-entry.ts', import.meta.url), { pipeline: 'fake', cacheDir: cache }), {
      onRestart: (r) => restarts.push(r),
    });
    try {
      const engines = await host.call('engines', {});
      expect(engines.engines.length).toBeGreaterThan(0);
      await expect(host.call('crash', {})).rejects.toMatchObject({ code: 'E_HOST_CRASHED' });
      expect(restarts).toHaveLength(1);
      const again = await host.call('engines', {});
      expect(again.defaultEngine).toBe('reference');
      // Cancelling a call aborts it in the host.
      const ac = new AbortController();
      const p = host.call('probe', { path: media.video, kind: 'video' }, { signal: ac.signal });
      ac.abort();
      await p.then(
        () => undefined,
        (e: { name?: string }) => expect(e.name).toBe('CancelledError'),
      );
    } finally {
      host.dispose();
    }
  }, 120_000);
});
