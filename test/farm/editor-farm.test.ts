import { mkdtempSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../src/shared/api/contract';
import { contract } from '../../src/shared/api/contract';
import { editorSettingsSchema, farmSettingsSchema, redactFarmUrl } from '../../src/shared/api/settings';
import { emptyProject, type Project } from '../../src/shared/project/schema';
import * as ops from '../../src/shared/project/segments';
import { createServices, type Services } from '../../src/main/services/services';
import { createHostHandlers } from '../../src/main/services/host/handlers';
import { InProcessHost, type HostCaller } from '../../src/main/services/host/supervisor';
import type { HostArgs } from '../../src/main/services/host/protocol';
import { createRealPipeline } from '../../src/main/services/pipeline-real';
import { SettingsStore } from '../../src/main/services/settings-store';
import { freeLoopbackPort, startLocalRedis, type LocalRedis } from '../../src/main/farm/local-redis';
import { describeIfSharedMedia, sharedMedia, sharedMediaDir } from '../helpers/shared-media';
import { haveRedisServer, spawnWorker, type WorkerProc } from './helpers';

/**
 * Issue #15, the editor part: "render all" on a render farm. The setting (schema, per-machine
 * file), the services' render path with the jobs host faked at its boundary (what the host is
 * asked, the farm lane, progress, cancel), an unreachable Redis through the real host handlers,
 * and one real render: services + real pipeline + redis-server + one worker process.
 */

const FAKE_RESULT = (out: string) => ({ out, frames: 10, width: 64, height: 64, fps: 25, faceTrack: 0, segments: [], warnings: [] });

/** A jobs host whose render calls wait until released (or cancelled), recording their arguments. */
class FakeJobsHost implements HostCaller {
  calls: Array<{ args: HostArgs<'render'>; signal: AbortSignal; release: () => void }> = [];
  async call(method: string, args: unknown, opts: { signal?: AbortSignal; onProgress?: (p: never) => void } = {}): Promise<never> {
    if (method !== 'render') throw new Error(`unexpected host call ${method}`);
    const a = args as HostArgs<'render'>;
    await fsp.mkdir(path.dirname(a.out), { recursive: true });
    const signal = opts.signal ?? new AbortController().signal;
    opts.onProgress?.({ stage: 'track', done: 10, total: 10, fps: 0, etaSec: 0 } as never);
    // After the queue's 100 ms progress throttle (the farm's client polls every 400 ms).
    setTimeout(() => opts.onProgress?.({ stage: 'render', done: 5, total: 10, fps: 0, etaSec: Number.NaN } as never), 150);
    return new Promise((resolve, reject) => {
      this.calls.push({ args: a, signal, release: () => resolve(FAKE_RESULT(a.out) as never) });
      signal.addEventListener('abort', () => reject(Object.assign(new Error('cancelled'), { code: 'E_CANCELLED' })), { once: true });
    });
  }
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('farm setting', () => {
  it('is validated by one shared schema (URL, unique roots, a cache root) on the contract', () => {
    const ok = { redisUrl: 'redis://:secret@10.0.0.5:6379', roots: [{ name: 'media', path: '/mnt/show/media' }, { name: 'cache', path: '/mnt/show/cache' }] };
    expect(farmSettingsSchema.parse(ok)).toEqual(ok);
    expect(() => contract['settings.set'].request.parse({ version: 1, farm: { ...ok, redisUrl: 'http://x' } })).toThrow(/redis:\/\//);
    expect(() => contract['settings.set'].request.parse({ version: 1, farm: { ...ok, roots: [{ name: 'media', path: '/m' }] } })).toThrow(/cache/);
    expect(() => contract['settings.set'].request.parse({ version: 1, farm: { ...ok, roots: [...ok.roots, { name: 'media', path: '/x' }] } })).toThrow(/twice/);
    expect(() => contract['settings.set'].request.parse({ version: 1, farm: { ...ok, roots: [{ name: '../x', path: '/m' }, ok.roots[1]] } })).toThrow();
    expect(editorSettingsSchema.parse({})).toEqual({ version: 1, farm: null });
    expect(redactFarmUrl('redis://farm:secret@h:6379/0')).toBe('redis://farm:***@h:6379/0');
    expect(redactFarmUrl('redis://:secret@h:6379')).toBe('redis://:***@h:6379');
  });

  it('is stored per machine in the state folder, atomically; a bad file reads as the defaults', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'editor-settings-'));
    const logs: string[] = [];
    const a = new SettingsStore(dir, (m) => logs.push(m));
    expect(await a.get()).toEqual({ version: 1, farm: null });
    const farm = { redisUrl: 'redis://127.0.0.1:6379', roots: [{ name: 'cache', path: path.join(dir, 'cache') }] };
    await a.set({ version: 1, farm });
    expect(JSON.parse(await fsp.readFile(path.join(dir, 'settings.json'), 'utf8'))).toEqual({ version: 1, farm });
    expect((await fsp.readdir(dir)).sort()).toEqual(['settings.json']);
    expect(await new SettingsStore(dir).get()).toEqual({ version: 1, farm });
    await fsp.writeFile(path.join(dir, 'settings.json'), '{"version":1,"farm":{"redisUrl":"nope"}}');
    expect(await new SettingsStore(dir, (m) => logs.push(m)).get()).toEqual({ version: 1, farm: null });
    expect(logs.join('\n')).toMatch(/ignoring/);
  });
});

describe('render on the farm: services with the jobs host faked at its boundary', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'editor-farm-'));
  const media = path.join(dir, 'media');
  const shared = path.join(dir, 'shared-cache');
  const host = new FakeJobsHost();
  let services: Services;
  let project: Project;

  beforeAll(async () => {
    await fsp.mkdir(media, { recursive: true });
    await fsp.writeFile(path.join(media, 'clip.mp4'), 'clip');
    await fsp.writeFile(path.join(media, 'dub.wav'), 'dub');
    services = createServices({
      mode: 'bridge', version: 't', cacheDir: path.join(dir, 'cache'), stateDir: path.join(dir, 'state'), browseRoots: [dir],
      pipelineKind: 'real', jobsHost: host, interactiveHost: host, dialogs: null, testHooks: false,
    });
    project = ops.setVideo(emptyProject(), { path: path.join(media, 'clip.mp4'), width: 64, height: 64, fps: 25, frameCount: 100, duration: 4, hasAudio: false });
    project = ops.addTrack(project, { id: 'dub-1', name: 'dub', path: path.join(media, 'dub.wav'), offset: 0, muted: false });
    project = ops.createSegment(project, 10, 20, { id: 's1', engine: 'reference', params: {} });
    project = ops.createSegment(project, 40, 50, { id: 's2', engine: 'reference', params: {} });
  });
  afterAll(async () => services?.dispose());

  it('without a farm: one local render at a time, with preview, into the local pipeline cache', async () => {
    const { job } = await services.handlers['jobs.render']({ project, projectPath: null, segmentId: 's1' });
    expect(job.label).not.toMatch(/farm/);
    await until(() => host.calls.length === 1);
    const c = host.calls[0];
    expect(c.args.farm).toBeUndefined();
    expect(c.args.preview).toBe(true);
    expect(c.args.dub.cacheDir).toBe(path.join(dir, 'cache', 'pipeline'));
    c.release();
    const fin = await services.queue.wait(job.jobId);
    expect(fin.error).toBeNull();
    expect(fin.state).toBe('done');
    host.calls = [];
  });

  it('refuses roots outside the bridge folders', async () => {
    await expect(services.handlers['settings.set']({ version: 1, farm: { redisUrl: 'redis://127.0.0.1:1', roots: [{ name: 'cache', path: '/etc' }] } })).rejects.toMatchObject({ code: 'E_ACCESS' });
  });

  it('with a farm: every segment at once on the farm lane, farm progress per segment, cancel reaches the host call', async () => {
    const farm = { redisUrl: 'redis://:pw@127.0.0.1:6390', roots: [{ name: 'media', path: media }, { name: 'cache', path: shared }] };
    expect(await services.handlers['settings.set']({ version: 1, farm })).toEqual({ version: 1, farm });
    expect(await services.handlers['settings.get']({})).toEqual({ version: 1, farm });
    const snaps = new Map<string, JobSnapshot[]>();
    const off = services.subscribe((e, p) => {
      if (e !== 'job.update') return;
      const s = p as JobSnapshot;
      snaps.set(s.jobId, [...(snaps.get(s.jobId) ?? []), s]);
    });
    // A render of s1 with other settings than the cached local one: change its engine params.
    const p2 = { ...project, segments: project.segments.map((s) => (s.id === 's1' ? { ...s, params: { smoothness: 0.9 } } : s)) };
    const a = (await services.handlers['jobs.render']({ project: p2, projectPath: null, segmentId: 's1' })).job;
    const b = (await services.handlers['jobs.render']({ project: p2, projectPath: null, segmentId: 's2' })).job;
    expect(a.label).toMatch(/on the farm redis:\/\/:\*\*\*@127\.0\.0\.1:6390$/);
    // Both run at once (the farm lane), not one after the other.
    await until(() => host.calls.length === 2);
    for (const c of host.calls) {
      expect(c.args.farm).toEqual({ redisUrl: farm.redisUrl, roots: farm.roots });
      expect(c.args.preview).toBeUndefined();
      expect(c.args.dub.cacheDir).toBe(shared);
    }
    await until(() => (snaps.get(a.jobId) ?? []).some((s) => s.progress?.stage === 'farm'));
    const farmSnap = snaps.get(a.jobId)!.find((s) => s.progress?.stage === 'farm')!;
    expect(farmSnap.progress!.fraction).toBeGreaterThan(0.4);
    expect(farmSnap.progress!.fraction).toBeLessThan(0.9);
    await expect(services.handlers['jobs.cancel']({ jobId: b.jobId })).resolves.toEqual({ cancelled: true });
    expect((await services.queue.wait(b.jobId)).state).toBe('cancelled');
    expect(host.calls[1].signal.aborted).toBe(true);
    host.calls[0].release();
    expect((await services.queue.wait(a.jobId)).state).toBe('done');
    off();
  });

  it('a clip outside every farm root is refused at once with E_FARM_PATH', async () => {
    await services.handlers['settings.set']({ version: 1, farm: { redisUrl: 'redis://127.0.0.1:6390', roots: [{ name: 'cache', path: shared }] } });
    await expect(services.handlers['jobs.render']({ project: { ...project, segments: project.segments.map((s) => ({ ...s, params: { smoothness: 0.1 } })) }, projectPath: null, segmentId: 's2' })).rejects.toMatchObject({ code: 'E_FARM_PATH' });
  });
});

describe('render on the farm: unreachable Redis through the real host handlers', () => {
  it('fails the job with E_FARM_REDIS (a clear message, no crash) before any tracking', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'editor-farm-down-'));
    const handlers = createHostHandlers(createRealPipeline(), path.join(dir, 'cache'));
    const port = await freeLoopbackPort();
    const t0 = Date.now();
    const err = await handlers
      .render(
        { dub: { video: path.join(dir, 'none.mp4'), audio: path.join(dir, 'none.wav'), out: path.join(dir, 'x.mp4'), segments: [], cacheDir: dir }, out: path.join(dir, 'x.mp4'), farm: { redisUrl: `redis://127.0.0.1:${port}`, roots: [{ name: 'cache', path: dir }] } },
        { signal: new AbortController().signal, onProgress: () => {} },
      )
      .catch((e: unknown) => e as { code?: string; message: string; hint?: string });
    expect(err).toMatchObject({ code: 'E_FARM_REDIS' });
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 20_000);
});

const haveRedis = haveRedisServer();

describeIfSharedMedia('render on the farm: services + real pipeline + redis-server + one worker', ['talk-a.mp4', 'dub-a.wav'], () => {
  if (!haveRedis) {
    it.skip('needs redis-server', () => {});
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'editor-farm-e2e-'));
  const shared = path.join(dir, 'shared-cache');
  let redis: LocalRedis;
  let worker: WorkerProc;
  let services: Services;
  let project: Project;

  beforeAll(async () => {
    redis = await startLocalRedis();
    worker = await spawnWorker('ed1', redis.url, { media: sharedMediaDir(), cache: shared }, 8000);
    const host = new InProcessHost(createHostHandlers(createRealPipeline(), path.join(dir, 'cache')));
    services = createServices({
      mode: 'bridge', version: 't', cacheDir: path.join(dir, 'cache'), stateDir: path.join(dir, 'state'), browseRoots: [dir, sharedMediaDir()],
      pipelineKind: 'real', jobsHost: host, interactiveHost: host, dialogs: null, testHooks: false,
    });
    await services.handlers['settings.set']({ version: 1, farm: { redisUrl: redis.url, roots: [{ name: 'media', path: sharedMediaDir() }, { name: 'cache', path: shared }] } });
    const v = await services.handlers['media.open']({ path: sharedMedia('talk-a.mp4')!, kind: 'video' });
    const a = await services.handlers['media.open']({ path: sharedMedia('dub-a.wav')!, kind: 'audio' });
    project = ops.setVideo(emptyProject(), { path: v.path, width: v.width, height: v.height, fps: v.fps, frameCount: v.frameCount, duration: v.duration, hasAudio: v.hasAudio });
    project = ops.addTrack(project, { id: 'dub-1', name: 'dub', path: a.path, offset: 0, muted: false });
    project = ops.createSegment(project, 25, 45, { id: 's1', engine: 'reference', params: {} });
  }, 120_000);
  afterAll(async () => {
    await services?.dispose();
    await worker?.stop();
    await redis?.stop();
  });

  it('renders the segment on the worker, with farm progress, and records the take', async () => {
    const stages = new Set<string>();
    const off = services.subscribe((e, p) => {
      if (e === 'job.update' && (p as JobSnapshot).progress) stages.add((p as JobSnapshot).progress!.stage);
    });
    const { job } = await services.handlers['jobs.render']({ project, projectPath: null, segmentId: 's1' });
    expect(job.label).toContain('on the farm');
    const done = await services.queue.wait(job.jobId);
    off();
    expect(done.error).toBeNull();
    expect(done.state).toBe('done');
    const res = done.result as Extract<JobSnapshot['result'], { kind: 'render' }>;
    expect(res.take.frames).toBe(20);
    expect(stages.has('farm')).toBe(true);
    expect(worker.output()).toMatch(/s1/);
    expect((await fsp.readdir(path.join(shared, 'renders'))).some((n) => /^[0-9a-f]{32}\.mkv$/.test(n))).toBe(true);
  }, 400_000);
});
