import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { promises as fsp } from 'node:fs';
import { Queue } from 'bullmq';
import { parseRedisUrl, redactRedisUrl, redisSecurityWarning, redisOptions, FARM_PREFIX } from '../../src/main/farm/connection';
import { checkRelativePath, parseRootArgs, resolveRootPath, toRootPath } from '../../src/main/farm/roots';
import { jobIdFor, parseRenderJob, PAYLOAD_VERSION, type RenderJobPayload } from '../../src/main/farm/payload';
import { queueNameFor, workerQueueNames } from '../../src/main/farm/queues';
import { formatJobError, parseJobError } from '../../src/main/farm/errors';
import { summarize } from '../../src/main/farm/progress';
import { startLocalRedis, type LocalRedis } from '../../src/main/farm/local-redis';
import { startFarmWorker, type FarmWorker } from '../../src/main/farm/worker';
import { FarmClient } from '../../src/main/farm/client';
import { sweepStaleTemps } from '../../src/main/farm/sweep';
import { UserError } from '../../src/main/util/errors';
import { haveRedisServer } from './helpers';

const H = 'a'.repeat(64);
function payload(over: Partial<RenderJobPayload> = {}): RenderJobPayload {
  return {
    v: PAYLOAD_VERSION, kind: 'segment', label: 'seg-1',
    video: { root: 'media', path: 'clips/a.mp4' }, audio: { root: 'media', path: 'dub.wav' }, audioOffset: 0,
    segments: [{ id: 'seg-1', startFrame: 0, endFrame: 25, engine: 'reference', params: { lambdaA: 1 } }],
    render: ['seg-1'], expect: { video: H, audio: H },
    ...over,
  };
}

describe('farm: URLs, roots, payloads, queues', () => {
  it('parses Redis URLs with password, ACL user, db and TLS; redacts the password', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390')).toMatchObject({ host: '127.0.0.1', port: 6390, db: 0, tls: false });
    expect(parseRedisUrl('rediss://farm:s%40cret@redis.studio:6380/2')).toMatchObject({ host: 'redis.studio', port: 6380, db: 2, tls: true, username: 'farm', password: 's@cret' });
    expect(redactRedisUrl('redis://:hunter2@host:1/0')).toBe('redis://:***@host:1/0');
    expect(() => parseRedisUrl('http://x')).toThrow(UserError);
    expect(redisSecurityWarning(parseRedisUrl('redis://127.0.0.1'))).toBeNull();
    expect(redisSecurityWarning(parseRedisUrl('redis://10.0.0.5'))).toMatch(/no password and no TLS/);
    expect(redisOptions(parseRedisUrl('rediss://:p@h'), true)).toMatchObject({ maxRetriesPerRequest: null, password: 'p', tls: { servername: 'h' } });
  });

  it('maps files to root-relative paths and rejects escapes', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'farm-roots-'));
    try {
      await fsp.mkdir(path.join(dir, 'media', 'sub'), { recursive: true });
      await fsp.writeFile(path.join(dir, 'media', 'sub', 'a.mp4'), 'x');
      await fsp.writeFile(path.join(dir, 'secret.txt'), 'x');
      await fsp.symlink(path.join(dir, 'secret.txt'), path.join(dir, 'media', 'link.txt'));
      const roots = parseRootArgs([`media=${path.join(dir, 'media')}`, `cache=${path.join(dir, 'cache')}`]);
      expect(toRootPath(roots, path.join(dir, 'media', 'sub', 'a.mp4'), 'clip')).toEqual({ root: 'media', path: 'sub/a.mp4' });
      expect(() => toRootPath(roots, path.join(dir, 'secret.txt'), 'clip')).toThrow(/not inside any farm root/);
      expect(await resolveRootPath(roots, { root: 'media', path: 'sub/a.mp4' }, 'clip')).toBe(await fsp.realpath(path.join(dir, 'media', 'sub', 'a.mp4')));
      for (const bad of ['../secret.txt', '/etc/passwd', 'sub/../../secret.txt', 'C:/x', 'a\\b', './a', 'a//b']) expect(() => checkRelativePath(bad)).toThrow(/not a plain path/);
      await expect(resolveRootPath(roots, { root: 'media', path: 'link.txt' }, 'clip')).rejects.toThrow(/leads outside its root/);
      await expect(resolveRootPath(roots, { root: 'other', path: 'a' }, 'clip')).rejects.toThrow(/does not map/);
      await expect(resolveRootPath(roots, { root: 'media', path: 'nope.mp4' }, 'clip')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      expect(() => parseRootArgs(['bad name=/x'])).toThrow(UserError);
      expect(() => parseRootArgs(['a=/x', 'a=/y'])).toThrow(/twice/);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('validates payloads strictly; job ids follow content, not paths or labels', () => {
    const p = parseRenderJob(payload());
    expect(() => parseRenderJob({ ...p, command: 'rm -rf /' })).toThrow(/invalid job payload/);
    expect(() => parseRenderJob(payload({ segments: [{ ...p.segments[0], engine: 'sh' as 'reference' }] }))).toThrow(/engine/);
    expect(() => parseRenderJob(payload({ render: ['seg-9'] }))).toThrow(/not among the segments/);
    expect(() => parseRenderJob(payload({ video: { root: '../x', path: 'a' } }))).toThrow(/video\.root/);
    expect(() => parseRenderJob(payload({ segments: [{ ...p.segments[0], startFrame: 10, endFrame: 5 }] }))).toThrow(/endFrame/);
    expect(jobIdFor(p)).toMatch(/^r-[0-9a-f]{32}$/);
    expect(jobIdFor(payload({ label: 'other' }))).toBe(jobIdFor(p));
    expect(jobIdFor(payload({ video: { root: 'm2', path: 'x.mp4' } }))).not.toBe(jobIdFor(p));
    expect(jobIdFor(payload({ segments: [{ ...p.segments[0], params: { lambdaA: 2 } }] }))).not.toBe(jobIdFor(p));
    expect(jobIdFor(payload({ expect: { video: 'b'.repeat(64), audio: H } }))).not.toBe(jobIdFor(p));
  });

  it('routes by capability: engine, provider and pack root', () => {
    expect(queueNameFor(payload())).toBe('render-reference-cpu');
    const ld = payload({ providers: ['cuda', 'cpu'], segments: [{ id: 'seg-1', startFrame: 0, endFrame: 5, engine: 'latent-diffusion', params: {}, pack: { root: 'models', path: 'sd' } }] });
    expect(queueNameFor(ld)).toBe('render-latent-diffusion-cuda-models');
    expect(workerQueueNames(['reference', 'latent-diffusion'], ['cuda'], ['models'])).toEqual(['render-reference-cpu', 'render-latent-diffusion-cuda-models']);
    expect(workerQueueNames(['reference'], ['cuda'], ['models'])).not.toContain('render-latent-diffusion-cuda-models');
  });

  it('carries error codes through failedReason; sums progress with an ETA', () => {
    const e = parseJobError(formatJobError(new UserError('E_NOT_FOUND', 'No file x.', 'Check it.'), 'w-1'));
    expect(e).toEqual({ code: 'E_NOT_FOUND', worker: 'w-1', message: 'No file x.', hint: 'Check it.' });
    expect(parseJobError(formatJobError(new UserError('E_X', 'm')))).toEqual({ code: 'E_X', message: 'm', hint: '' });
    expect(parseJobError('boom').code).toBe('E_FARM_JOB');
    const s = summarize([
      { id: 'a', label: 'a', queue: 'q', state: 'completed', done: 0, total: 50, attempts: 1 },
      { id: 'b', label: 'b', queue: 'q', state: 'active', done: 25, total: 50, attempts: 1 },
    ], 0, 0, 5000);
    expect([s.framesDone, s.framesTotal, s.jobsDone, s.fps, s.etaSec]).toEqual([75, 100, 1, 15, 25 / 15]);
  });

  it('sweeps only stale temp files of killed workers', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'farm-sweep-'));
    try {
      await fsp.mkdir(path.join(dir, 'renders'));
      const tmp = path.join(dir, 'renders', '.abc.mkv.tmp-123-deadbeef.mkv');
      const fin = path.join(dir, 'renders', 'abc.mkv');
      await fsp.writeFile(tmp, 'x');
      await fsp.writeFile(fin, 'x');
      expect(await sweepStaleTemps(dir, undefined, 60_000)).toBe(0);
      const old = new Date(Date.now() - 3_600_000);
      await fsp.utimes(tmp, old, old);
      await fsp.utimes(fin, old, old);
      expect(await sweepStaleTemps(dir, undefined, 60_000)).toBe(1);
      expect(await fsp.readdir(path.join(dir, 'renders'))).toEqual(['abc.mkv']);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveRedisServer())('farm: bad input fails once, with the worker\'s error (Redis on loopback, in-process worker)', () => {
  let redis: LocalRedis;
  let worker: FarmWorker;
  let client: FarmClient;
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'farm-bad-'));
    await fsp.mkdir(path.join(dir, 'media'));
    redis = await startLocalRedis();
    worker = await startFarmWorker({ redisUrl: redis.url, roots: new Map([['cache', path.join(dir, 'cache')], ['media', path.join(dir, 'media')]]), timing: { lockMs: 5000 }, name: 'w-unit' });
    client = await FarmClient.connect({ redisUrl: redis.url, pollMs: 100, backoffMs: 200 });
  });
  afterAll(async () => {
    await client?.close();
    await worker?.close(true);
    await redis?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  const failure = async (p: RenderJobPayload) => {
    const t0 = performance.now();
    const err = await client.run([p]).then(() => null, (e: unknown) => e);
    const q = new Queue('render-reference-cpu', { connection: redisOptions(parseRedisUrl(redis.url), false), prefix: FARM_PREFIX });
    const job = await q.getJob(jobIdFor(p));
    await q.close();
    return { err: err as UserError, attempts: job?.attemptsMade, sec: (performance.now() - t0) / 1000 };
  };

  it('a missing input file fails at once with E_NOT_FOUND, no retry loop', async () => {
    const r = await failure(payload({ video: { root: 'media', path: 'missing.mp4' } }));
    expect(r.err).toBeInstanceOf(UserError);
    expect(r.err.code).toBe('E_NOT_FOUND');
    expect(r.err.message).toMatch(/seg-1 failed on the farm \(worker w-unit\): .*missing\.mp4/);
    expect(r.attempts).toBe(1);
    expect(r.sec).toBeLessThan(5);
    // Submitted again (the same job id): it runs again instead of returning the old failure at once.
    const again = await failure(payload({ video: { root: 'media', path: 'missing.mp4' } }));
    expect([again.err.code, again.attempts]).toEqual(['E_NOT_FOUND', 1]);
  });

  it('a payload escaping its root or naming an unmapped root fails once', async () => {
    const a = await failure(payload({ label: 'esc', video: { root: 'media', path: '../../etc/passwd' } }));
    expect(a.err.code).toBe('E_FARM_PATH');
    expect(a.attempts).toBe(1);
    const b = await failure(payload({ label: 'unmapped', video: { root: 'elsewhere', path: 'x.mp4' } }));
    expect(b.err.code).toBe('E_FARM_ROOT');
  });

  it('a raw invalid payload added by someone else is rejected, not run', async () => {
    const q = new Queue('render-reference-cpu', { connection: redisOptions(parseRedisUrl(redis.url), false), prefix: FARM_PREFIX });
    const job = await q.add('evil', { v: 1, kind: 'segment', command: 'touch /tmp/pwned' }, { jobId: 'evil-1', attempts: 3 });
    let state = '';
    for (let i = 0; i < 50 && state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await job.getState();
    }
    const j = await q.getJob('evil-1');
    await q.close();
    expect(state).toBe('failed');
    expect(j!.attemptsMade).toBe(1);
    expect(j!.failedReason).toMatch(/E_FARM_PAYLOAD.*invalid job payload/);
  });

  it('an unreachable Redis is a clear error', async () => {
    await expect(FarmClient.connect({ redisUrl: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ code: 'E_FARM_REDIS', message: expect.stringMatching(/Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/) });
  });
});

describe.skipIf(!haveRedisServer())('farm: Redis gone for good', () => {
  it('a run whose Redis stays away fails with E_FARM_REDIS after the timeout, not hanging', async () => {
    const redis = await startLocalRedis();
    const client = await FarmClient.connect({ redisUrl: redis.url, pollMs: 100, redisTimeoutMs: 1500 });
    const logs: string[] = [];
    try {
      // A queue no worker serves: the job waits until Redis goes away.
      const p = payload({ providers: ['cuda'], segments: [{ id: 'seg-1', startFrame: 0, endFrame: 5, engine: 'wav2lip', params: {}, pack: { root: 'nowhere', path: 'w2l.onnx' } }] });
      const run = client.run([p], { onProgress: (s) => logs.push(s.jobs[0].state) }).then(() => null, (e: unknown) => e as UserError);
      while (logs.length < 2) await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      await redis.stop();
      const err = await run;
      expect(err?.code).toBe('E_FARM_REDIS');
      expect(err?.message).toMatch(/Lost Redis at redis:\/\/127\.0\.0\.1:\d+: no answer for 2 s/);
      expect(performance.now() - t0).toBeLessThan(10_000);
    } finally {
      await client.close();
      await redis.stop();
    }
  });
});
