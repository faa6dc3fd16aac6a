import os from 'node:os';
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ENGINE_IDS } from '../engines/registry';
import { CancelledError, UserError } from '../util/errors';
import { FARM_PREFIX, connectRedis, parseRedisUrl, redisOptions, redactRedisUrl } from './connection';
import { CACHE_ROOT, type Roots } from './roots';
import { jobFrames, parseRenderJob, type RenderJobResult } from './payload';
import { WORKER_KEY_PREFIX, cancelKey, workerQueueNames, type WorkerInfo } from './queues';
import { processRenderJob } from './process-job';
import { formatJobError } from './errors';
import { sweepStaleTemps } from './sweep';

/** Timing of stalled-job detection (milliseconds). */
export interface StallTiming {
  /** A job's lock lives this long unless its worker renews it (every half of it). Default 30 000. */
  lockMs: number;
  /** How often workers look for jobs whose lock expired (their worker died). Default = lockMs. */
  stalledIntervalMs: number;
}

export interface FarmWorkerOptions {
  redisUrl: string;
  /** This machine's mapping of root names to folders; must include `cache`. */
  roots: Roots;
  /** Jobs run at once (default 1; one GPU usually wants 1). */
  concurrency?: number;
  /** Engines this worker runs (default all built-in). */
  engines?: readonly string[];
  /** Execution providers it offers to neural engines (default `cpu`). */
  providers?: readonly string[];
  timing?: Partial<StallTiming>;
  /** Name in logs, progress and the registry (default host-pid). */
  name?: string;
  log?: (m: string) => void;
}

export interface FarmWorker {
  name: string;
  queues: string[];
  /** Stops taking jobs; waits for running ones unless `force` (they are then picked up elsewhere). */
  close(force?: boolean): Promise<void>;
}

/** A counting semaphore shared by the worker's queues (`concurrency` jobs at once in all). */
function semaphore(n: number) {
  let free = n;
  const waiters: Array<() => void> = [];
  return {
    async acquire(): Promise<() => void> {
      if (free > 0) free--;
      else await new Promise<void>((res) => waiters.push(res));
      return () => {
        const next = waiters.shift();
        if (next) next();
        else free++;
      };
    },
  };
}

/**
 * Starts a farm worker: one BullMQ Worker per queue it can serve (capability routing), each job
 * validated (zod) and run by `processRenderJob`. Bad input (UserError, invalid payload) fails the
 * job at once with BullMQ's UnrecoverableError (no retry); other errors retry with backoff (the
 * job's `attempts`). Locks are renewed while a job runs; a worker killed with SIGKILL loses its
 * lock and another worker takes the job again (stalled-job detection). A submitter's cancel
 * flag is polled every 500 ms and aborts the render (its temp file is removed).
 * @throws UserError E_FARM_REDIS (unreachable), E_FARM_ROOT (no cache root), E_ARGS (unknown engine).
 */
export async function startFarmWorker(o: FarmWorkerOptions): Promise<FarmWorker> {
  const log = o.log ?? (() => {});
  if (!o.roots.has(CACHE_ROOT)) throw new UserError('E_FARM_ROOT', 'A worker needs the shared render cache as root "cache".', 'Add --root cache=PATH (the same shared folder every machine maps as "cache").');
  const engines = [...(o.engines ?? ENGINE_IDS)];
  for (const e of engines) if (!(ENGINE_IDS as readonly string[]).includes(e)) throw new UserError('E_ARGS', `Unknown engine "${e}".`, `Engines: ${ENGINE_IDS.join(', ')}.`);
  const providers = [...(o.providers ?? ['cpu'])];
  const concurrency = Math.max(1, Math.floor(o.concurrency ?? 1));
  const lockMs = o.timing?.lockMs ?? 30_000;
  const stalledIntervalMs = o.timing?.stalledIntervalMs ?? lockMs;
  const name = o.name ?? `${os.hostname()}-${process.pid}`;
  const target = parseRedisUrl(o.redisUrl);
  const control: Redis = await connectRedis(o.redisUrl);
  control.on('error', () => undefined);
  const rootNames = [...o.roots.keys()].filter((r) => r !== CACHE_ROOT);
  const queues = workerQueueNames(engines, providers, rootNames);
  const slots = semaphore(concurrency);
  await sweepStaleTemps(o.roots.get(CACHE_ROOT)!, log);

  const info: WorkerInfo = { name, host: os.hostname(), pid: process.pid, queues, engines, providers, roots: [...o.roots.keys()], concurrency, startedAt: new Date().toISOString() };
  const heartbeatKey = WORKER_KEY_PREFIX + name;
  const heartbeat = () => control.set(heartbeatKey, JSON.stringify(info), 'PX', Math.max(15_000, 3 * lockMs)).catch(() => undefined);
  await heartbeat();
  const beat = setInterval(heartbeat, 5000);

  const processor = async (job: Job, _token?: string, bullSignal?: AbortSignal): Promise<RenderJobResult> => {
    let payload;
    try {
      payload = parseRenderJob(job.data);
    } catch (err) {
      log(`job ${job.id}: rejected: ${(err as Error).message}`);
      throw new UnrecoverableError(`[E_FARM_PAYLOAD@${name}] ${(err as Error).message}`);
    }
    const release = await slots.acquire();
    const ac = new AbortController();
    const onBull = () => ac.abort();
    bullSignal?.addEventListener('abort', onBull, { once: true });
    let cancelled = false;
    const key = cancelKey(job.queueName, job.id!);
    const poll = setInterval(() => {
      control.exists(key).then((n) => {
        if (n > 0 && !ac.signal.aborted) {
          cancelled = true;
          ac.abort();
        }
      }, () => undefined);
    }, 500);
    let last = 0;
    const t0 = performance.now();
    log(`job ${job.id} (${payload.label}): started, attempt ${job.attemptsMade + 1}`);
    job.updateProgress({ done: 0, total: jobFrames(payload), worker: name }).catch(() => undefined);
    try {
      const r = await processRenderJob(payload, {
        roots: o.roots, worker: name, signal: ac.signal, log: (m) => log(`  ${payload.label}: ${m}`),
        onProgress: (done, total) => {
          const now = Date.now();
          if (done !== total && now - last < 400) return;
          last = now;
          job.updateProgress({ done, total, worker: name }).catch(() => undefined);
        },
      });
      log(`job ${job.id} (${payload.label}): done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.frames} frames rendered)`);
      return r;
    } catch (err) {
      log(`job ${job.id} (${payload.label}): ${cancelled ? 'cancelled by the submitter' : `failed: ${formatJobError(err)}`}`);
      if (cancelled) throw new UnrecoverableError(`[E_CANCELLED@${name}] cancelled by the submitter`);
      if (err instanceof UserError) throw new UnrecoverableError(formatJobError(err, name));
      if (err instanceof CancelledError) throw new Error(`[E_WORKER_STOPPED@${name}] the worker stopped during the job`, { cause: err });
      throw err;
    } finally {
      clearInterval(poll);
      bullSignal?.removeEventListener('abort', onBull);
      release();
    }
  };

  const workers = queues.map((q) => {
    const w = new Worker(q, processor, {
      connection: redisOptions(target, true),
      prefix: FARM_PREFIX,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount: 2,
      name,
    });
    let lastErr = '';
    w.on('error', (err) => {
      const m = String(err?.message ?? err);
      if (m !== lastErr) log(`queue ${q}: ${m}`);
      lastErr = m;
    });
    w.on('ready', () => {
      if (lastErr) log(`queue ${q}: connected again`);
      lastErr = '';
    });
    return w;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log(`worker ${name} on ${redactRedisUrl(o.redisUrl)}: queues ${queues.join(', ')}; roots ${[...o.roots].map(([k, v]) => `${k}=${v}`).join(', ')}; concurrency ${concurrency}`);
  return {
    name,
    queues,
    async close(force = false) {
      clearInterval(beat);
      await Promise.all(workers.map((w) => w.close(force).catch(() => undefined)));
      await control.del(heartbeatKey).catch(() => undefined);
      control.disconnect();
    },
  };
}
