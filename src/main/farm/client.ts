import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CancelledError, UserError } from '../util/errors';
import { FARM_PREFIX, connectRedis, parseRedisUrl, redisOptions, redactRedisUrl, redisSecurityWarning } from './connection';
import { jobFrames, jobIdFor, parseRenderJob, type RenderJobPayload, type RenderJobResult } from './payload';
import { WORKER_KEY_PREFIX, cancelKey, queueNameFor, type WorkerInfo } from './queues';
import { summarize, type FarmJobProgress, type FarmProgress } from './progress';
import { parseJobError } from './errors';

export interface FarmClientOptions {
  redisUrl: string;
  log?: (m: string) => void;
  /** How often job states are read (milliseconds, default 400). */
  pollMs?: number;
  /** A run fails when Redis has not answered for this long (milliseconds, default 60 000). */
  redisTimeoutMs?: number;
  /** Tries per job for transient errors (default 3), backing off from `backoffMs` (default 2000) doubling. */
  attempts?: number;
  backoffMs?: number;
}

export interface FarmRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: FarmProgress) => void;
}

interface Tracked {
  id: string;
  queue: string;
  payload: RenderJobPayload;
  progress: FarmJobProgress;
  /** Added by this run (its cancel may remove it); false when another submitter's job was reused. */
  owned: boolean;
  result?: RenderJobResult;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      res();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Resolves `p`, or rejects after `ms` (a Redis command that hangs while the server is down). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no answer from Redis in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * The submitting side of the farm: adds render jobs to their capability queues (job ids from the
 * render's content, so duplicates are one job), follows them by polling their state (which also
 * survives a Redis restart: a job that vanished is submitted again), reports per-job and overall
 * progress with an ETA, cancels what it submitted on abort, and fails with a clear UserError when
 * a job fails for good or Redis stays unreachable.
 */
export class FarmClient {
  private readonly queues = new Map<string, Queue>();
  private constructor(
    private readonly o: Required<Omit<FarmClientOptions, 'log'>> & { log: (m: string) => void },
    private readonly control: Redis,
  ) {}

  /**
   * Connects (control connection first, so an unreachable Redis fails fast).
   * @throws UserError E_FARM_URL, E_FARM_REDIS.
   */
  static async connect(o: FarmClientOptions): Promise<FarmClient> {
    const target = parseRedisUrl(o.redisUrl);
    const log = o.log ?? (() => {});
    const warn = redisSecurityWarning(target);
    if (warn) log(`warning: ${warn}`);
    const control = await connectRedis(o.redisUrl);
    return new FarmClient({ redisUrl: o.redisUrl, log, pollMs: o.pollMs ?? 400, redisTimeoutMs: o.redisTimeoutMs ?? 60_000, attempts: o.attempts ?? 3, backoffMs: o.backoffMs ?? 2000 }, control);
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: redisOptions(parseRedisUrl(this.o.redisUrl), false), prefix: FARM_PREFIX });
      q.on('error', () => undefined); // connection errors surface through the polled commands
      this.queues.set(name, q);
    }
    return q;
  }

  /** Workers that announced themselves in the last few seconds. */
  async liveWorkers(): Promise<WorkerInfo[]> {
    const keys = await this.control.keys(WORKER_KEY_PREFIX + '*');
    if (!keys.length) return [];
    const vals = await this.control.mget(...keys);
    return vals.flatMap((v) => (v ? [JSON.parse(v) as WorkerInfo] : []));
  }

  /** Adds a job (after removing a finished job with the same id: its render left the cache). */
  private async add(t: Tracked): Promise<void> {
    const q = this.queue(t.queue);
    const existing = await q.getJob(t.id);
    if (existing) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') await existing.remove().catch(() => undefined);
      else {
        // Another submitter's job (or this one's from before a restart): wait for it; a cancel
        // flag its owner left on it no longer applies, someone still wants the render.
        await this.control.del(cancelKey(t.queue, t.id));
        t.owned = false;
        return;
      }
    }
    await this.control.del(cancelKey(t.queue, t.id));
    await q.add(t.payload.label, t.payload, {
      jobId: t.id,
      attempts: this.o.attempts,
      backoff: { type: 'exponential', delay: this.o.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    });
    t.owned = true;
  }

  /**
   * Submits the jobs and waits until every one completed.
   * @returns each job's result, in the order of `payloads`.
   * @throws UserError E_FARM_JOB_FAILED (a job failed for good: bad input fails at once, other
   *   errors after `attempts` tries; the worker's code and message are included), E_FARM_REDIS
   *   (Redis unreachable for `redisTimeoutMs`); CancelledError on abort, after cancelling the jobs
   *   this run submitted (waiting ones removed, running ones flagged and stopped by their worker).
   */
  async run(payloads: RenderJobPayload[], r: FarmRunOptions = {}): Promise<RenderJobResult[]> {
    const t0 = performance.now();
    let startedAt: number | null = null;
    const tracked: Tracked[] = payloads.map((raw) => {
      let payload: RenderJobPayload;
      try {
        payload = parseRenderJob(raw);
      } catch (err) {
        throw new UserError('E_FARM_PAYLOAD', `Cannot send ${raw.label} to the farm: ${(err as Error).message}.`, 'Only the built-in engines and plain settings can be rendered on the farm.');
      }
      const id = jobIdFor(payload);
      return { id, queue: queueNameFor(payload), payload, owned: false, progress: { id, label: payload.label, queue: queueNameFor(payload), state: 'waiting', done: 0, total: jobFrames(payload), attempts: 1 } };
    });
    const byId = new Map<string, Tracked>();
    for (const t of tracked) if (!byId.has(t.id)) byId.set(t.id, t);
    const unique = [...byId.values()];
    const wait = this.o.redisTimeoutMs;
    const redisError = () =>
      new UserError('E_FARM_REDIS', `Lost Redis at ${redactRedisUrl(this.o.redisUrl)}: no answer for ${Math.round(wait / 1000)} s.`, 'Restart redis-server (the run can be started again: finished renders stay in the cache and are not redone).');
    try {
      const served = new Set((await within(this.liveWorkers(), wait)).flatMap((w) => w.queues));
      for (const q of new Set(unique.map((t) => t.queue))) {
        if (!served.has(q)) this.o.log(`warning: no live worker serves queue ${q}; its jobs wait until one starts`);
      }
      for (const t of unique) await within(this.add(t), wait);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw redisError();
    }
    let lastOk = performance.now();
    const report = () => r.onProgress?.(summarize(tracked.map((t) => byId.get(t.id)!.progress), startedAt, t0));
    report();
    try {
      while (true) {
        if (r.signal?.aborted) throw new CancelledError();
        const pending = unique.filter((t) => t.progress.state !== 'completed');
        if (!pending.length) break;
        try {
          for (const t of pending) {
            const q = this.queue(t.queue);
            const cmdMs = Math.max(2000, this.o.pollMs * 5);
            // The state first, then the job's fields: a job read before its state could miss
            // the result or failure reason written in between.
            const state = await within(q.getJobState(t.id), cmdMs);
            const job: Job | undefined = state === 'unknown' ? undefined : await within(q.getJob(t.id), cmdMs);
            if (!job) {
              // Redis lost the job (restarted without persistence, flushed): submit it again.
              // A render that finished meanwhile is found in the cache by the next worker.
              this.o.log(`${t.payload.label}: the job vanished from Redis (restarted?); submitting it again`);
              await within(this.add(t), cmdMs);
              t.progress.state = 'resubmitted';
              t.progress.done = 0;
              continue;
            }
            const prog = job.progress as { done?: number; total?: number; worker?: string } | number;
            if (prog && typeof prog === 'object') {
              t.progress.done = prog.done ?? t.progress.done;
              t.progress.worker = prog.worker ?? t.progress.worker;
            }
            t.progress.attempts = job.attemptsMade + (state === 'active' ? 1 : 0) || 1;
            if (state === 'active') {
              t.progress.state = 'active';
              startedAt ??= performance.now();
            } else if (state === 'completed') {
              t.progress.state = 'completed';
              t.result = job.returnvalue as RenderJobResult;
              t.progress.worker = t.result?.worker ?? t.progress.worker;
              startedAt ??= performance.now();
            } else if (state === 'failed') {
              const e = parseJobError(job.failedReason);
              if (e.code === 'E_CANCELLED' && !r.signal?.aborted) {
                // A shared job its other submitter cancelled: this run still needs it.
                this.o.log(`${t.payload.label}: cancelled by another submitter; submitting it again`);
                await within(this.add(t), cmdMs);
                t.progress.state = 'resubmitted';
                continue;
              }
              t.progress.state = 'failed';
              const after = job.attemptsMade > 1 ? ` after ${job.attemptsMade} tries` : '';
              throw new UserError(
                e.code === 'E_FARM_JOB' ? 'E_FARM_JOB_FAILED' : e.code,
                `${t.payload.label} failed on the farm${after}${e.worker || t.progress.worker ? ` (worker ${e.worker ?? t.progress.worker})` : ''}: ${e.message}`,
                e.hint || 'See the worker\'s log for details.',
              );
            } else if (state === 'delayed') t.progress.state = 'retrying';
            else if (t.progress.state !== 'resubmitted' || state === 'waiting') t.progress.state = 'waiting';
          }
          lastOk = performance.now();
        } catch (err) {
          if (err instanceof UserError) throw err;
          if (performance.now() - lastOk > wait) throw redisError();
        }
        report();
        await sleep(this.o.pollMs, r.signal);
      }
    } catch (err) {
      await this.cancel(unique.filter((t) => t.owned && t.progress.state !== 'completed' && t.progress.state !== 'failed'));
      if (r.signal?.aborted) throw new CancelledError();
      throw err;
    }
    report();
    return tracked.map((t) => byId.get(t.id)!.result!);
  }

  /**
   * Cancels jobs: sets each one's cancel flag (a running job's worker aborts it within ~0.5 s and
   * removes its temp file), then removes the ones not running. Best effort, bounded to 5 s.
   */
  private async cancel(list: Tracked[]): Promise<void> {
    if (!list.length) return;
    const work = (async () => {
      for (const t of list) {
        await this.control.set(cancelKey(t.queue, t.id), '1', 'EX', 3600).catch(() => undefined);
        const job = await this.queue(t.queue).getJob(t.id).catch(() => undefined);
        if (!job) continue;
        const state = await job.getState().catch(() => 'unknown');
        if (state !== 'active') await job.remove().catch(() => undefined);
      }
    })();
    await within(work, 5000).catch(() => undefined);
    this.o.log(`cancelled ${list.length} farm job(s)`);
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => within(q.close(), 3000).catch(() => q.disconnect())));
    this.control.disconnect();
  }
}
