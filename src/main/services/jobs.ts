import { randomUUID } from 'node:crypto';
import type { JobProgress, JobResult, JobSnapshot } from '../../shared/api/contract';
import { toErrorInfo } from '../../shared/api/errors';
import type { DubProgress } from '../pipeline/api';

/** Share of a render job spent in each pipeline stage (for one progress bar over all stages). */
export const STAGE_WEIGHTS: Record<string, number> = { probe: 0.02, audio: 0.03, track: 0.35, prepare: 0.05, render: 0.45, encode: 0.1, done: 0 };
/** Stage weights of a render sent to a render farm: the segment renders on a worker ('farm'), the take is encoded here. */
export const FARM_STAGE_WEIGHTS: Record<string, number> = { probe: 0.02, audio: 0.03, track: 0.35, prepare: 0.05, farm: 0.45, encode: 0.1, done: 0 };
const STAGE_ORDER = ['probe', 'audio', 'track', 'prepare', 'farm', 'render', 'encode', 'done'];

/**
 * Converts pipeline stage progress into one 0..1 fraction and an ETA for the whole job. Stages
 * a job skips (a cached track) simply count as done when a later stage starts.
 */
export class ProgressTracker {
  private readonly t0: number;
  /** Highest fraction reported so far, and the stage it was reported in. */
  private shown = { fraction: 0, stage: '' };
  /** Where the current stage started (time, frames done), for its real frame rate. */
  private stageStart: { stage: string; t: number; done: number } | null = null;
  constructor(
    private readonly weights: Record<string, number> = STAGE_WEIGHTS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.t0 = now();
  }

  /**
   * One progress report for the whole job. The fraction never goes back (a job that runs the
   * pipeline twice, a preview pass then the final pass, starts again at "probe": the bar holds
   * its place and its stage label until the new pass overtakes it), and the frame rate is the one
   * measured over the current stage (frames done since the stage started / seconds since then).
   */
  update(p: DubProgress | { stage: string; done: number; total: number; fps: number; etaSec: number }): JobProgress {
    const now = this.now();
    const idx = STAGE_ORDER.indexOf(p.stage);
    let before = 0;
    if (idx >= 0) for (const s of STAGE_ORDER.slice(0, idx)) before += this.weights[s] ?? 0;
    const totalWeight = Object.values(this.weights).reduce((a, b) => a + b, 0) || 1;
    const w = idx >= 0 ? (this.weights[p.stage] ?? 0) : totalWeight;
    const inStage = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
    const computed = p.stage === 'done' ? 1 : Math.min(1, (before + w * inStage) / totalWeight);
    if (!this.stageStart || this.stageStart.stage !== p.stage || p.done < this.stageStart.done) this.stageStart = { stage: p.stage, t: now, done: p.done };
    const stageSec = (now - this.stageStart.t) / 1000;
    const measured = stageSec >= 0.25 && p.done > this.stageStart.done ? (p.done - this.stageStart.done) / stageSec : 0;
    const fps = measured > 0 ? measured : Number.isFinite(p.fps) && p.fps > 0 && stageSec < 0.25 ? p.fps : 0;
    if (computed >= this.shown.fraction) this.shown = { fraction: computed, stage: p.stage };
    const fraction = this.shown.fraction;
    const elapsed = (now - this.t0) / 1000;
    let etaSec: number | null = null;
    if (fraction >= 1) etaSec = 0;
    // Waiting for a farm worker to take the job: no rate to extrapolate from.
    else if (p.stage === 'farm' && p.done === 0) etaSec = null;
    else if (fraction > 0.03 && elapsed > 0.5) etaSec = (elapsed * (1 - fraction)) / fraction;
    else if (Number.isFinite(p.etaSec) && w === totalWeight) etaSec = p.etaSec;
    return { stage: this.shown.stage, done: p.done, total: p.total, fps, etaSec, fraction };
  }
}

export interface JobSpec {
  kind: JobSnapshot['kind'];
  label: string;
  segmentId?: string | null;
  /** Jobs with the same key do the same work: `findActive` finds one still queued or running. */
  dedupeKey?: string;
  weights?: Record<string, number>;
  /**
   * 'farm': the work runs on a render farm (this process mostly waits), so the job takes a slot
   * of the farm lane (`farmConcurrency` at a time) instead of one of the local slots.
   */
  lane?: 'local' | 'farm';
  run(ctx: { signal: AbortSignal; progress: (p: DubProgress | { stage: string; done: number; total: number; fps: number; etaSec: number }) => void }): Promise<JobResult>;
}

interface JobEntry {
  snap: JobSnapshot;
  spec: JobSpec;
  ac: AbortController;
  lastEmit: number;
}

/**
 * The one queue for long jobs (render, export, analysis): runs `concurrency` jobs at a time in
 * submission order, reports every state change and (throttled) progress to `emit`, and cancels
 * queued or running jobs. Finished jobs are kept (the last 50) for `jobs.list`.
 */
export class JobQueue {
  private jobs = new Map<string, JobEntry>();
  private queue: string[] = [];
  private running = 0;
  private farmRunning = 0;

  constructor(
    private readonly emit: (snap: JobSnapshot) => void,
    private readonly concurrency = 1,
    private readonly farmConcurrency = 8,
  ) {}

  submit(spec: JobSpec): JobSnapshot {
    const jobId = randomUUID();
    const snap: JobSnapshot = { jobId, kind: spec.kind, label: spec.label, segmentId: spec.segmentId ?? null, state: 'queued', progress: null, result: null, error: null };
    this.jobs.set(jobId, { snap, spec, ac: new AbortController(), lastEmit: 0 });
    this.queue.push(jobId);
    this.emit({ ...snap });
    this.prune();
    queueMicrotask(() => this.pump());
    return { ...snap };
  }

  /** A job that is already finished (cache hit): reported as done without queueing. */
  completed(spec: Omit<JobSpec, 'run'>, result: JobResult): JobSnapshot {
    const jobId = randomUUID();
    const snap: JobSnapshot = {
      jobId,
      kind: spec.kind,
      label: spec.label,
      segmentId: spec.segmentId ?? null,
      state: 'done',
      progress: { stage: 'done', done: 1, total: 1, fps: 0, etaSec: 0, fraction: 1 },
      result,
      error: null,
    };
    this.jobs.set(jobId, { snap, spec: { ...spec, run: async () => result }, ac: new AbortController(), lastEmit: 0 });
    this.emit({ ...snap });
    return { ...snap };
  }

  cancel(jobId: string): boolean {
    const e = this.jobs.get(jobId);
    if (!e || (e.snap.state !== 'queued' && e.snap.state !== 'running')) return false;
    if (e.snap.state === 'queued') {
      this.queue = this.queue.filter((id) => id !== jobId);
      e.snap = { ...e.snap, state: 'cancelled' };
      this.emit({ ...e.snap });
    }
    e.ac.abort();
    return true;
  }

  /** A queued or running job submitted with `dedupeKey`, or null. */
  findActive(dedupeKey: string): JobSnapshot | null {
    for (const e of this.jobs.values()) {
      if (e.spec.dedupeKey === dedupeKey && (e.snap.state === 'queued' || e.snap.state === 'running')) return { ...e.snap };
    }
    return null;
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((e) => ({ ...e.snap }));
  }

  get(jobId: string): JobSnapshot | null {
    const e = this.jobs.get(jobId);
    return e ? { ...e.snap } : null;
  }

  /** Resolves when the job reaches a final state. */
  wait(jobId: string): Promise<JobSnapshot> {
    return new Promise((resolve) => {
      const check = () => {
        const s = this.get(jobId);
        if (!s || ['done', 'failed', 'cancelled'].includes(s.state)) resolve(s ?? ({} as JobSnapshot));
        else setTimeout(check, 50);
      };
      check();
    });
  }

  cancelAll(): void {
    for (const id of this.jobs.keys()) this.cancel(id);
  }

  /** Starts queued jobs, in submission order within each lane, while the lane has free slots. */
  private pump(): void {
    for (const id of [...this.queue]) {
      const e = this.jobs.get(id);
      if (!e || e.snap.state !== 'queued') {
        this.queue = this.queue.filter((q) => q !== id);
        continue;
      }
      const farm = e.spec.lane === 'farm';
      if (farm ? this.farmRunning >= this.farmConcurrency : this.running >= this.concurrency) continue;
      this.queue = this.queue.filter((q) => q !== id);
      if (farm) this.farmRunning++;
      else this.running++;
      void this.runJob(e).finally(() => {
        if (farm) this.farmRunning--;
        else this.running--;
        this.pump();
      });
    }
  }

  private async runJob(e: JobEntry): Promise<void> {
    const tracker = new ProgressTracker(e.spec.weights);
    e.snap = { ...e.snap, state: 'running', progress: { stage: 'queued', done: 0, total: 0, fps: 0, etaSec: null, fraction: 0 } };
    this.emit({ ...e.snap });
    try {
      const result = await e.spec.run({
        signal: e.ac.signal,
        progress: (p) => {
          e.snap = { ...e.snap, progress: tracker.update(p) };
          const now = Date.now();
          if (now - e.lastEmit >= 100 || p.stage === 'done') {
            e.lastEmit = now;
            this.emit({ ...e.snap });
          }
        },
      });
      e.snap = { ...e.snap, state: 'done', result, progress: { ...(e.snap.progress ?? tracker.update({ stage: 'done', done: 1, total: 1, fps: 0, etaSec: 0 })), fraction: 1, etaSec: 0 } };
    } catch (err) {
      const info = toErrorInfo(err);
      if (e.ac.signal.aborted || info.code === 'E_CANCELLED') e.snap = { ...e.snap, state: 'cancelled' };
      else e.snap = { ...e.snap, state: 'failed', error: info };
    }
    this.emit({ ...e.snap });
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((e) => ['done', 'failed', 'cancelled'].includes(e.snap.state));
    for (const e of finished.slice(0, Math.max(0, finished.length - 50))) this.jobs.delete(e.snap.jobId);
  }
}
