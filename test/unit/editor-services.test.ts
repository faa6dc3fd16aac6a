import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fsp } from 'node:fs';
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
import { FARM_STAGE_WEIGHTS, ProgressTracker } from '../../src/main/services/jobs';
import { generatedMedia } from '../ui/helpers/media';
import { createRealPipeline } from '../../src/main/services/pipeline-real';
import { writeTinyLdPack } from '../helpers/tiny-packs';
import { REFERENCE_ENGINE_DESCRIPTION } from '../../src/main/engines/reference/reference-engine';
import { fillParams } from '../../src/shared/engines';

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

/** Duration (seconds) of the first audio or video stream, as ffprobe reads it (packets summed). */
function streamSeconds(file: string, kind: 'a' | 'v'): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', `${kind}:0`, '-show_entries', 'packet=duration_time', '-of', 'default=nw=1:nk=1', file], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).reduce((a, l) => a + Number(l), 0);
}

/** The segment's active take (the test added one). */
function readyTakeOf(p: Project, segId: string) {
  const seg = p.segments.find((s) => s.id === segId)!;
  return seg.takes.find((t) => t.id === seg.activeTakeId) ?? seg.takes[seg.takes.length - 1];
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
  // The reference engine's own parameters, as the editor fills them in for a new segment.
  project = ops.createSegment(project, 10, 30, { id: 's1', engine: 'reference', params: fillParams(REFERENCE_ENGINE_DESCRIPTION, { fadeFrames: 8 }) });
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
    const changed = ops.setSegmentParam(project, 's1', 'lambdaA', 1.5);
    const third = await services.handlers['jobs.render']({ project: changed, projectPath: null, segmentId: 's1' });
    expect(third.job.state).toBe('queued');
    services.queue.cancel(third.job.jobId);
    expect((await waitJob(third.job.jobId)).state).toBe('cancelled');
  });

  it('refuses a parameter the engine does not have, as the real render does', async () => {
    const bad = { ...project, segments: project.segments.map((s) => ({ ...s, params: { ...s.params, smoothness: 0.5 } })) };
    const { job } = await services.handlers['jobs.render']({ project: bad, projectPath: null, segmentId: 's1' });
    const done = await waitJob(job.jobId);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'E_PARAM', message: 'Engine "reference" has no parameter "smoothness".' });
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
      expect(res.losslessSegments).toBe(1);
      expect(res.probe).toMatchObject({ codec: vcodec, pixelFormat: pix, width: 160, height: 160, frames: 50, audioCodec: acodec });
      expect(res.probe.duration).toBeCloseTo(2, 1);
      // The audio runs to the end of the video (not cut when the video's last frame is written).
      expect(streamSeconds(out, 'a')).toBeGreaterThan(1.95);
      expect(streamSeconds(out, 'v')).toBeCloseTo(2, 1);
      if (codec === 'h264') {
        // Frames 10-29 (the segment) carry the render (the fake engine's red box), frame-exactly:
        // the red channel rises over the original there and nowhere else.
        const redGain = (n: number) => pixel(out, n, 80, 112)[0] - pixel(media.video, n, 80, 112)[0];
        for (const n of [10, 20, 29]) expect(redGain(n)).toBeGreaterThan(40);
        for (const n of [5, 9, 30, 40]) expect(Math.abs(redGain(n))).toBeLessThan(12);
      }
    }
  });

  it('exports a segment from its lossless render, and from its H.264 take once the render has left the cache', async () => {
    const take = readyTakeOf(project, 's1');
    const meta = JSON.parse(await fsp.readFile(path.join(cache, 'takes', `${take.cacheKey}.json`), 'utf8')) as { render: { file: string; rect: { x: number; y: number; w: number; h: number } } };
    const { file, rect } = meta.render;
    expect(existsSync(file)).toBe(true);
    // Replace the lossless render by a green one: the export must show green inside the box.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x00ff00:s=${rect.w}x${rect.h}:r=25:d=0.8`, '-c:v', 'libx264rgb', '-qp', '0', '-pix_fmt', 'rgb24', '-f', 'matroska', file]);
    const out = path.join(dir, 'lossless.mp4');
    let done = await waitJob((await services.handlers['jobs.export']({ project, out, codec: 'h264', audio: [] })).job.jobId);
    expect(done.error).toBeNull();
    expect((done.result as Extract<JobSnapshot['result'], { kind: 'export' }>).losslessSegments).toBe(1);
    const cx = rect.x + rect.w / 2, cy = rect.y + rect.h / 2;
    const green = pixel(out, 20, cx, cy);
    expect(green[1] - green[0]).toBeGreaterThan(150);
    // Outside the segment and outside the box: the original.
    expect(pixel(out, 5, cx, cy)[1] - pixel(out, 5, cx, cy)[0]).toBeLessThan(150);
    // Render gone: the take (the fake's red box) is used, and the result says so.
    await fsp.rm(file);
    done = await waitJob((await services.handlers['jobs.export']({ project, out, codec: 'h264', audio: [] })).job.jobId);
    expect(done.error).toBeNull();
    expect((done.result as Extract<JobSnapshot['result'], { kind: 'export' }>).losslessSegments).toBe(0);
    const red = pixel(out, 20, cx, cy);
    expect(red[0] - red[1]).toBeGreaterThan(60);
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
  const video = { path: '/v.mp4', frameCount: 100, fpsNum: 25, fpsDen: 1, matrix: 'bt709' as const };
  it('decodes the original once and lays the segments over it in order: lossless renders cut to the paste box, takes whole', () => {
    const plan = buildExportPlan({
      video,
      overlays: [
        { path: '/t2.mp4', startFrame: 60, frames: 10, rgb: false },
        { path: '/r1.mkv', startFrame: 0, frames: 10, rgb: true, rect: { x: 10, y: 10, w: 20, h: 20 }, pasteRect: { x: 12, y: 12, w: 16, h: 16 } },
      ],
      audio: [{ kind: 'dub', path: '/d.wav', offset: -0.5 }],
      codec: 'h264',
      out: '/o.mp4',
    });
    expect(plan.pieces).toEqual([
      { source: 'render', startFrame: 0, endFrame: 10 },
      { source: 'original', startFrame: 10, endFrame: 60 },
      { source: 'take', startFrame: 60, endFrame: 70 },
      { source: 'original', startFrame: 70, endFrame: 100 },
    ]);
    expect(plan.args.filter((a, i) => plan.args[i - 1] === '-i')).toEqual(['/v.mp4', '/r1.mkv', '/t2.mp4', '/d.wav']);
    const fc = plan.args[plan.args.indexOf('-filter_complex') + 1];
    expect(fc).toContain('[1:v:0]trim=start_frame=0:end_frame=10,scale=out_color_matrix=bt709:out_range=tv,format=yuva420p,crop=16:16:2:2:exact=1');
    expect(fc).toContain('overlay=x=12:y=12');
    expect(fc).toContain('[2:v:0]trim=start_frame=0:end_frame=10,format=yuv420p,settb=expr=1/25,setpts=N+60');
    expect(fc).toContain('[3:a:0]aresample=48000,atrim=start=0.500000');
    expect(fc).toContain('[0:v:0]settb=expr=1/25,setpts=N,trim=end_frame=100,format=yuv420p[m0]');
    expect(plan.args).not.toContain('-frames:v');
    expect(plan.args).toContain('bt709');
    const prores = buildExportPlan({ video, overlays: [], audio: [], codec: 'prores', out: '/o.mov' });
    expect(prores.args[prores.args.indexOf('-filter_complex') + 1]).toBe('[0:v:0]settb=expr=1/25,setpts=N,trim=end_frame=100,format=yuv422p10le[vout]');
    expect(() => buildExportPlan({ video: { ...video, frameCount: 10 }, overlays: [{ path: '/t', startFrame: 5, frames: 15, rgb: false }], audio: [], codec: 'h264', out: '/o.mp4' })).toThrow(/outside/);
    expect(() => buildExportPlan({ video, overlays: [{ path: '/a', startFrame: 5, frames: 15, rgb: false }, { path: '/b', startFrame: 10, frames: 5, rgb: false }], audio: [], codec: 'h264', out: '/o.mp4' })).toThrow(/overlaps/);
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

  it('a farm render waiting for a worker has no ETA, then one once frames come back', () => {
    let t = 0;
    const tr = new ProgressTracker(FARM_STAGE_WEIGHTS, () => t);
    t = 10_000;
    const waiting = tr.update({ stage: 'farm', done: 0, total: 100, fps: 0, etaSec: Number.NaN });
    expect(waiting.fraction).toBeCloseTo(0.45, 5);
    expect(waiting.etaSec).toBeNull();
    t = 20_000;
    expect(tr.update({ stage: 'farm', done: 50, total: 100, fps: 5, etaSec: 10 }).etaSec).toBeGreaterThan(0);
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
      // The fake pipeline lists the real engines with their real parameter schemas.
      expect(engines.engines.map((e) => e.id)).toEqual(['reference', 'latent-diffusion', 'wav2lip']);
      expect(engines.engines[0].params).toEqual(REFERENCE_ENGINE_DESCRIPTION.params);
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
