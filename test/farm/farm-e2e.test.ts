import { afterAll, beforeAll, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { describeIfSharedMedia, repoRoot, sharedMedia, sharedMediaDir } from '../helpers/shared-media';
import { runDub } from '../../src/main/pipeline/dub';
import type { SegmentSpec } from '../../src/main/pipeline/api';
import { resolveParams, builtinEngineDescriptions } from '../../src/main/engines/registry';
import { startLocalRedis, type LocalRedis } from '../../src/main/farm/local-redis';
import { FarmClient } from '../../src/main/farm/client';
import { farmRenderMissing } from '../../src/main/farm/dub-hook';
import { FARM_PREFIX, parseRedisUrl, redisOptions } from '../../src/main/farm/connection';
import type { FarmProgress } from '../../src/main/farm/progress';
import { CancelledError } from '../../src/main/util/errors';
import { locateFfmpeg } from '../../src/main/media/locate';
import { haveRedisServer, spawnWorker, type WorkerProc } from './helpers';
import { nleRoundTrip } from '../../src/main/pipeline/nle-roundtrip';
import { farmPrerenderShots } from '../../src/main/farm/dub-hook';
import { writeOtio } from '../../src/main/nle/otio';
import { makeRate } from '../../src/main/nle/rate';
import type { NleTimeline } from '../../src/main/nle/model';

/**
 * End to end on loopback: a private redis-server, three worker processes (`npm run farm --
 * worker`), talk-a.mp4 dubbed with dub-a.wav over 0-4.8 s in three segments. The farm's dub must
 * be bit-identical to the local one, also when a worker is killed with SIGKILL mid-job and when
 * Redis restarts (losing every job) mid-run; cancel leaves no job running and no file behind.
 */
const LOCK_MS = 4000;

const sha256 = async (f: string) => createHash('sha256').update(await fsp.readFile(f)).digest('hex');
/** Hash of the decoded frames (framemd5): equal pictures whatever the container bytes. */
const framesMd5 = (f: string) => createHash('md5').update(execFileSync(locateFfmpeg().ffmpeg, ['-v', 'error', '-i', f, '-map', '0:v', '-f', 'framemd5', '-'])).digest('hex');

const haveRedis = haveRedisServer();

describeIfSharedMedia('render farm end to end (BullMQ + redis-server, 3 worker processes)', ['talk-a.mp4', 'dub-a.wav'], () => {
  if (!haveRedis) {
    it.skip('needs redis-server (see the [skip] line above)', () => {});
    return;
  }
  const video = sharedMedia('talk-a.mp4')!;
  const audio = sharedMedia('dub-a.wav')!;
  let dir: string;
  let cacheDir: string;
  let redis: LocalRedis;
  let workers: WorkerProc[] = [];
  let segments: SegmentSpec[];
  let localSha: string;
  const localFrames = new Map<string, string>();
  const renders = () => path.join(cacheDir, 'renders');
  const roots = () => new Map([['cache', cacheDir], ['media', sharedMediaDir()]]);

  /** A dub through the farm (the same options as the local one plus the farm hook). */
  const farmDub = async (out: string, o: { onProgress?: (p: FarmProgress, c: FarmClient) => void; signal?: AbortSignal; log?: string[] } = {}) => {
    const client = await FarmClient.connect({ redisUrl: redis.url, pollMs: 200, redisTimeoutMs: 30_000, backoffMs: 500, log: (m) => o.log?.push(m) });
    try {
      const t0 = performance.now();
      const res = await runDub({
        video, audio, out, segments, cacheDir, signal: o.signal,
        renderMissing: farmRenderMissing({ client, roots: roots(), onProgress: (p) => o.onProgress?.(p, client) }),
      });
      return { res, sec: (performance.now() - t0) / 1000 };
    } finally {
      await client.close();
    }
  };
  const finalRenders = async () => (await fsp.readdir(renders()).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{32}\.mkv$/.test(n)).sort();
  const clearRenders = () => fsp.rm(renders(), { recursive: true, force: true });

  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'farm-e2e-'));
    cacheDir = path.join(dir, 'cache');
    const params = resolveParams(builtinEngineDescriptions().find((d) => d.id === 'reference')!.params, {}, 'reference');
    segments = [[0, 40], [40, 80], [80, 120]].map(([s, e], i) => ({ id: `seg-${i + 1}`, startFrame: s, endFrame: e, engine: 'reference', params }));
    redis = await startLocalRedis();
    // The local dub first (it also fills the shared tracking cache the workers then read).
    const t0 = performance.now();
    const local = await runDub({ video, audio, out: path.join(dir, 'local.mp4'), segments, cacheDir });
    console.log(`local dub: ${local.frames} frames, 3 segments, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    localSha = await sha256(path.join(dir, 'local.mp4'));
    for (const n of await finalRenders()) localFrames.set(n, framesMd5(path.join(renders(), n)));
    expect(localFrames.size).toBe(3);
    await fsp.rename(renders(), path.join(dir, 'renders-local'));
    workers = await Promise.all(['w1', 'w2', 'w3'].map((n) => spawnWorker(n, redis.url, { cache: cacheDir, media: sharedMediaDir() }, LOCK_MS)));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(3000)));
    await redis?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('three segments on three workers: the export is bit-identical to the local dub, renders frame-identical', async () => {
    const seen = new Set<string>();
    const { res, sec } = await farmDub(path.join(dir, 'farm.mp4'), { onProgress: (p) => p.jobs.forEach((j) => j.worker && seen.add(j.worker)) });
    console.log(`farm dub: ${res.frames} frames in ${sec.toFixed(1)} s on workers ${[...seen].join(', ')}`);
    expect(await sha256(path.join(dir, 'farm.mp4'))).toBe(localSha);
    const names = await finalRenders();
    expect(names).toEqual([...localFrames.keys()]);
    for (const n of names) expect(framesMd5(path.join(renders(), n))).toBe(localFrames.get(n));
    expect(seen.size).toBeGreaterThanOrEqual(2);
    // A second dub finds every render in the cache: nothing is submitted.
    let submitted = 0;
    await farmDub(path.join(dir, 'farm2.mp4'), { onProgress: () => submitted++ });
    expect(submitted).toBe(0);
    expect(await sha256(path.join(dir, 'farm2.mp4'))).toBe(localSha);
  });

  it('a worker killed with SIGKILL mid-job: another worker takes the job over, the result is unaffected', async () => {
    await clearRenders();
    let victim: WorkerProc | null = null;
    let victimJob = '';
    let last: FarmProgress | null = null;
    const { sec } = await farmDub(path.join(dir, 'killed.mp4'), {
      onProgress: (p) => {
        last = p;
        if (victim) return;
        const j = p.jobs.find((x) => x.state === 'active' && x.worker && x.done > 0 && x.done < x.total);
        if (!j) return;
        victim = workers.find((w) => w.name === j.worker) ?? null;
        victimJob = j.id;
        victim?.kill9();
      },
    });
    expect(victim).not.toBeNull();
    // The killed worker's job was finished by another worker (stalled-job detection).
    const taken = last!.jobs.find((j) => j.id === victimJob)!;
    expect(taken.state).toBe('completed');
    expect(taken.worker).not.toBe(victim!.name);
    console.log(`dub with ${victim!.name} killed mid-job: ${sec.toFixed(1)} s (lock ${LOCK_MS} ms)`);
    expect(await sha256(path.join(dir, 'killed.mp4'))).toBe(localSha);
    for (const n of await finalRenders()) expect(framesMd5(path.join(renders(), n))).toBe(localFrames.get(n));
    // Replace the dead worker for the next tests.
    const i = workers.indexOf(victim!);
    workers[i] = await spawnWorker(`${victim!.name}b`, redis.url, { cache: cacheDir, media: sharedMediaDir() }, LOCK_MS);
  });

  it('Redis restarted mid-run (every job lost): workers and the submitter reconnect, the run completes bit-identical', async () => {
    await clearRenders();
    let restart: Promise<void> | null = null;
    const log: string[] = [];
    const { sec } = await farmDub(path.join(dir, 'restart.mp4'), {
      log,
      onProgress: (p) => {
        if (!restart && p.jobs.some((j) => j.state === 'active' && j.done > 0)) restart = redis.restart();
      },
    });
    expect(restart).not.toBeNull();
    await restart;
    console.log(`dub with a Redis restart: ${sec.toFixed(1)} s; ${log.filter((m) => m.includes('vanished')).length} job(s) submitted again`);
    expect(log.some((m) => m.includes('vanished from Redis'))).toBe(true);
    expect(await sha256(path.join(dir, 'restart.mp4'))).toBe(localSha);
    for (const n of await finalRenders()) expect(framesMd5(path.join(renders(), n))).toBe(localFrames.get(n));
    expect(workers.every((w) => w.proc.exitCode === null)).toBe(true);
  });

  it('cancel: the submitted jobs are removed or stopped, no temp file or output is left', async () => {
    await clearRenders();
    const ac = new AbortController();
    const out = path.join(dir, 'cancelled.mp4');
    const err = await farmDub(out, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.jobs.some((j) => j.state === 'active' && j.done > 0)) ac.abort();
      },
    }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    // Workers stop their renders within about a second (cancel flag polled every 500 ms).
    const q = new Queue('render-reference-cpu', { connection: redisOptions(parseRedisUrl(redis.url), false), prefix: FARM_PREFIX });
    let counts: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      counts = await q.getJobCounts('active', 'waiting', 'delayed', 'failed');
      if (counts.active === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await q.close();
    expect(counts.active + counts.waiting + counts.delayed).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    const left = await fsp.readdir(renders()).catch(() => [] as string[]);
    expect(left.filter((n) => n.includes('.tmp-'))).toEqual([]);
    await expect(fsp.stat(out)).rejects.toThrow();
    expect((await fsp.readdir(dir)).filter((n) => n.startsWith('.cancelled'))).toEqual([]);
  });

  it('NLE round trip: two shots as two farm jobs give the same shot media as the local round trip', async () => {
    const rate = makeRate(25);
    const clip = (name: string, sourceIn: number, recordIn: number) => ({ name, mediaPath: video, sourceIn, sourceOut: sourceIn + 30, recordIn, recordOut: recordIn + 30, mediaRate: rate, sourceTimecodeStart: 0, mediaDropFrame: false });
    const timeline: NleTimeline = {
      name: 'cut', rate, dropFrame: false, startTimecodeFrames: 90000, markers: [],
      tracks: [{ kind: 'video', name: 'V1', clips: [clip('A', 10, 100), clip('B', 70, 130)] }],
    };
    const otio = path.join(dir, 'cut.otio');
    await fsp.writeFile(otio, writeOtio(timeline));
    const common = { timeline: otio, stem: audio, stemTimecode: '01:00:04:00', codec: 'h264' as const, cacheDir };
    await clearRenders();
    const local = await nleRoundTrip({ ...common, outDir: path.join(dir, 'rt-local') });
    await clearRenders();
    const client = await FarmClient.connect({ redisUrl: redis.url, pollMs: 200 });
    let jobs = 0;
    try {
      const farm = await nleRoundTrip({ ...common, outDir: path.join(dir, 'rt-farm'), prerender: farmPrerenderShots({ client, roots: roots(), onProgress: (p) => (jobs = p.jobs.length) }) });
      expect(jobs).toBe(2);
      expect(farm.shots.length).toBe(2);
      for (let i = 0; i < 2; i++) {
        const a = local.media[i].out;
        const b = farm.media[i].out;
        expect(framesMd5(b)).toBe(framesMd5(a));
        expect(framesMd5(farm.shots[i].media)).toBe(framesMd5(local.shots[i].media));
      }
    } finally {
      await client.close();
    }
  });

  it('CLI: npm run dub -- --farm renders on the farm; Ctrl-C cancels the jobs it submitted', async () => {
    await clearRenders();
    const cli = (out: string, from: number, to: number) =>
      spawn(process.execPath, ['--import', 'tsx', 'src/main/cli/dub.ts', '--video', video, '--audio', audio, '--out', out, '--from', String(from), '--to', String(to),
        '--cache', cacheDir, '--farm', redis.url, '--root', `media=${sharedMediaDir()}`], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    const run = (p: ChildProcess) => new Promise<{ code: number | null; out: string }>((res) => {
      let out = '';
      p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      p.once('exit', (code) => res({ code, out }));
    });
    const ok = await run(cli(path.join(dir, 'cli.mp4'), 0, 1));
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/farm +1\/1 jobs/);
    expect(ok.out).toMatch(/seg-1 +completed +25\/25 frames 100% on w/);
    expect(ok.out).toMatch(/wrote .*cli\.mp4/);

    const q = new Queue('render-reference-cpu', { connection: redisOptions(parseRedisUrl(redis.url), false), prefix: FARM_PREFIX });
    try {
      const out = path.join(dir, 'cli-cancel.mp4');
      const p = cli(out, 1, 4.8);
      const done = run(p);
      let active = 0;
      for (let i = 0; i < 300 && active === 0 && p.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        active = (await q.getJobCounts('active')).active;
      }
      expect(active).toBe(1);
      p.kill('SIGINT');
      const r = await done;
      expect(r.code, r.out).toBe(130);
      expect(r.out).toMatch(/cancelled 1 farm job/);
      let counts: Record<string, number> = {};
      for (let i = 0; i < 30; i++) {
        counts = await q.getJobCounts('active', 'waiting', 'delayed');
        if (counts.active + counts.waiting + counts.delayed === 0) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(counts.active + counts.waiting + counts.delayed).toBe(0);
      await expect(fsp.stat(out)).rejects.toThrow();
    } finally {
      await q.close();
    }
  });

  it('a job with a missing input file (the worker\'s media root lacks it) fails once with a clear error', async () => {
    const client = await FarmClient.connect({ redisUrl: redis.url, pollMs: 200 });
    try {
      const t0 = performance.now();
      const err = await client.run([{
        v: 1, kind: 'segment', label: 'ghost', video: { root: 'media', path: 'not-there.mp4' }, audio: { root: 'media', path: 'dub-a.wav' }, audioOffset: 0,
        segments: [segments[0]] as never, render: ['seg-1'], expect: { video: 'c'.repeat(64), audio: 'c'.repeat(64) },
      }]).then(() => null, (e: unknown) => e as Error & { code: string });
      expect(err?.code).toBe('E_NOT_FOUND');
      expect(err?.message).toMatch(/ghost failed on the farm \(worker w\d+b?\): The clip media:not-there\.mp4 is not on this worker/);
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      await client.close();
    }
  });
});
