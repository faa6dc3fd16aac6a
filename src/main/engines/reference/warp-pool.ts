/**
 * A pool of worker threads for the reference engine's per-frame synthesis (`synthesizeMouth`), so a window's frames are
 * synthesized on every core while the main thread feeds ffmpeg. One pool per process, started on
 * first use and kept (the editor's inference host re-renders segments as sliders move); idle
 * workers do not keep the process alive.
 *
 * Size: `DUBBING_WARP_WORKERS` when set (0 turns the pool off: warps run on the calling thread),
 * else one worker per core, at most 3, none on a single core.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../util/ts-worker';
import { synthesizeMouth, type MouthTask, type RefFrame, type SynthesizedMouth } from './mouth-warp';

/** One frame's synthesis (`MouthTask`) with its request id. */
export interface WarpTask extends MouthTask {
  id: number;
}

/** A worker's answer: the synthesized frame (null where the matte left the frame), or an error. */
export interface WarpReply {
  id: number;
  result: SynthesizedMouth | null;
  error?: string;
}

/** Workers the pool starts on this machine. */
export function warpWorkerCount(): number {
  const env = process.env.DUBBING_WARP_WORKERS;
  if (env !== undefined && env !== '') return Math.max(0, Math.min(8, Math.floor(Number(env)) || 0));
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return cores < 2 ? 0 : Math.min(3, cores);
}

/** Synthesizes on the calling thread (the same computation a worker does). */
export function warpLocally(t: MouthTask): SynthesizedMouth | null {
  return synthesizeMouth(t);
}

interface Slot {
  worker: Worker;
  inFlight: number;
}

/** `size` warp workers, started on first use; tasks go to the least busy one (see the module doc). */
export class WarpPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { slot: Slot; resolve: (r: WarpReply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failed: Error | null = null;

  constructor(readonly size: number) {}

  /** Starts the workers now (their start-up then overlaps the caller's preparation). */
  warm(): void {
    while (!this.failed && this.slots.length < this.size) this.slots.push(this.start());
  }

  /**
   * Warps one frame on the least busy worker. The frame's pixels are copied (the caller keeps
   * compositing into its frame); reference crops travel as shared memory.
   * @throws Error when a worker fails or exits (the pool is then unusable: `broken` is set).
   */
  warp(t: MouthTask): Promise<WarpReply> {
    if (this.failed) return Promise.reject(this.failed);
    this.warm();
    const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    const data = t.frame.data.slice();
    // Only the key, the mesh and the shared crop travel.
    const bare = (r: RefFrame): RefFrame => ({ key: r.key, mesh: r.mesh, crop: r.crop });
    const task: WarpTask = { ...t, id, frame: { ...t.frame, data }, ref: bare(t.ref), next: t.next ? bare(t.next) : null };
    return new Promise<WarpReply>((resolve, reject) => {
      this.pending.set(id, { slot, resolve, reject });
      if (slot.inFlight++ === 0) slot.worker.ref();
      slot.worker.postMessage(task, [data.buffer as ArrayBuffer]);
    });
  }

  /** The error that broke the pool, or null. */
  get broken(): Error | null {
    return this.failed;
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private start(): Slot {
    const worker = startModuleWorker(import.meta.url, 'warp-worker');
    const slot: Slot = { worker, inFlight: 0 };
    worker.unref();
    worker.on('message', (r: WarpReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (--slot.inFlight === 0) worker.unref();
      if (r.error) p.reject(new Error(`warp worker: ${r.error}`));
      else p.resolve(r);
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`warp worker exited with code ${code}`)));
    return slot;
  }
}

let shared: WarpPool | null | undefined;

/** The process's warp pool, or null when it is off (`warpWorkerCount() === 0`) or broken. */
export function warpPool(): WarpPool | null {
  if (shared === undefined) {
    const n = warpWorkerCount();
    shared = n > 0 ? new WarpPool(n) : null;
  }
  if (shared?.broken) return null;
  return shared;
}
