import { Worker } from 'node:worker_threads';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../../../shared/api/errors';
import { CancelledError, UserError } from '../../util/errors';
import type { DubProgress } from '../../pipeline/api';
import type { FromHost, HostArgs, HostConfig, HostMethod, HostResult, PreviewFrame, ToHost } from './protocol';
import type { HostHandlers } from './handlers';

/** A started host process/thread, as the supervisor sees it. */
export interface HostChannel {
  post(msg: ToHost): void;
  onMessage(fn: (msg: FromHost) => void): void;
  /** Called once when the host ends (code null when killed by a signal). */
  onExit(fn: (code: number | null) => void): void;
  kill(): void;
}
export type HostLauncher = () => HostChannel;

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: DubProgress) => void;
  onPreview?: (p: PreviewFrame) => void;
}

/** Anything that runs host methods: the supervised host, or the handlers in-process (tests). */
export interface HostCaller {
  call<M extends HostMethod>(method: M, args: HostArgs<M>, opts?: CallOptions): Promise<HostResult<M>>;
}

/**
 * Host methods that are quick and safe to repeat, with how long each may go unanswered (ms)
 * before the host is presumed stuck (see `call`). Peaks decode the whole track, so they get more.
 */
const QUICK_METHODS = new Map<string, number>([['probe', 20_000], ['thumbnails', 30_000], ['frameImage', 20_000], ['engines', 20_000], ['peaks', 120_000]]);
/** Overrides every quick-call timeout (ms), e.g. for tests. */
export const QUICK_CALL_TIMEOUT_MS = process.env.DUBBING_QUICK_CALL_TIMEOUT_MS ? Number(process.env.DUBBING_QUICK_CALL_TIMEOUT_MS) : undefined;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (p: DubProgress) => void;
  onPreview?: (p: PreviewFrame) => void;
  method: HostMethod;
}

/**
 * Starts the inference host on demand and keeps it alive. When the host dies unexpectedly, every
 * call in flight fails with UserError E_HOST_CRASHED (the UI shows it as a failed job, the window
 * stays responsive) and a fresh host is started for the next call. Cancelling a call sends a
 * cancel message; the host aborts the job and the call rejects with CancelledError.
 */
export class HostSupervisor implements HostCaller {
  private channel: HostChannel | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private disposed = false;
  private crashes: number[] = [];

  constructor(
    readonly name: string,
    private readonly launcher: HostLauncher,
    private readonly events: { onRestart?: (reason: string) => void; log?: (line: string) => void; quickCallTimeoutMs?: number } = {},
  ) {}

  private ensure(): HostChannel {
    if (this.channel) return this.channel;
    const ch = this.launcher();
    this.channel = ch;
    ch.onMessage((msg) => this.onMessage(msg));
    ch.onExit((code) => this.onExit(ch, code));
    return ch;
  }

  private onMessage(msg: FromHost): void {
    if (msg.type === 'ready') return;
    if (msg.type === 'log') {
      this.events.log?.(`[${this.name}] ${msg.message}`);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') p.onProgress?.(msg.progress);
    else if (msg.type === 'preview') p.onPreview?.(msg.preview);
    else if (msg.type === 'result') {
      this.pending.delete(msg.id);
      p.resolve(msg.result);
    } else if (msg.type === 'error') {
      this.pending.delete(msg.id);
      p.reject(msg.error.code === 'E_CANCELLED' ? new CancelledError() : new ApiError(msg.error));
    }
  }

  private onExit(ch: HostChannel, code: number | null): void {
    if (this.channel !== ch) return;
    this.channel = null;
    if (this.disposed) return;
    const reason = `The processing host stopped unexpectedly (exit code ${code ?? 'signal'}).`;
    this.events.log?.(`[${this.name}] ${reason}`);
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) {
      p.reject(new UserError('E_HOST_CRASHED', `${reason} The ${p.method} job did not finish.`, 'Start it again; the host was restarted. If it keeps happening, check the log and free memory.'));
    }
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now];
    // Restart right away so the next job does not wait for start-up (unless it crash-loops).
    if (this.crashes.length <= 5) this.ensure();
    this.events.onRestart?.(reason);
  }

  /**
   * Runs a host method. Quick, side-effect-free calls (probe, peaks, thumbnails, frame images,
   * the engine list) have a watchdog: if one gets no answer within its limit (`QUICK_METHODS`)
   * the host is presumed stuck, restarted, and the call is retried once on the fresh host, so a
   * wedged host never freezes the editor.
   */
  async call<M extends HostMethod>(method: M, args: HostArgs<M>, opts: CallOptions = {}): Promise<HostResult<M>> {
    const limit = QUICK_METHODS.get(method);
    if (limit === undefined) return this.callOnce(method, args, opts);
    const timeout = this.events.quickCallTimeoutMs ?? QUICK_CALL_TIMEOUT_MS ?? limit;
    try {
      return await this.callOnce(method, args, opts, timeout);
    } catch (err) {
      if (!(err instanceof UserError && err.code === 'E_HOST_STUCK')) throw err;
      return this.callOnce(method, args, opts, timeout);
    }
  }

  private callOnce<M extends HostMethod>(method: M, args: HostArgs<M>, opts: CallOptions, timeoutMs?: number): Promise<HostResult<M>> {
    if (this.disposed) return Promise.reject(new UserError('E_SHUTDOWN', 'The editor is shutting down.', ''));
    if (opts.signal?.aborted) return Promise.reject(new CancelledError());
    const ch = this.ensure();
    const id = this.nextId++;
    return new Promise<HostResult<M>>((resolve, reject) => {
      const t0 = Date.now();
      const trace = process.env.DUBBING_HOST_TRACE ? (what: string) => this.events.log?.(`[${this.name}] #${id} ${method} ${what} after ${Date.now() - t0} ms`) : null;
      trace?.('sent');
      this.pending.set(id, {
        resolve: (v: unknown) => {
          trace?.('done');
          (resolve as (v: unknown) => void)(v);
        },
        reject: (e: unknown) => {
          trace?.('failed');
          reject(e);
        },
        onProgress: opts.onProgress,
        onPreview: opts.onPreview,
        method,
      });
      opts.signal?.addEventListener('abort', () => {
        if (this.pending.has(id)) this.channel?.post({ type: 'cancel', id });
      }, { once: true });
      ch.post({ type: 'call', id, method, args });
      if (timeoutMs) {
        const timer = setTimeout(() => {
          const p = this.pending.get(id);
          if (!p) return;
          this.pending.delete(id);
          this.events.log?.(`[${this.name}] ${method} got no answer in ${timeoutMs} ms; restarting the host`);
          p.reject(new UserError('E_HOST_STUCK', `The processing host did not answer (${method}).`, 'It was restarted; try again.'));
          if (this.channel === ch) {
            // Detach first so the next call starts a fresh host; calls still on the stuck one fail
            // as crashed (their callers see E_HOST_CRASHED, as for a crash).
            this.channel = null;
            const stranded = [...this.pending.values()];
            this.pending.clear();
            for (const q of stranded) q.reject(new UserError('E_HOST_CRASHED', `The processing host stopped answering. The ${q.method} job did not finish.`, 'Start it again; the host was restarted.'));
            ch.kill();
          }
        }, timeoutMs);
        timer.unref?.();
        const clear = () => clearTimeout(timer);
        const entry = this.pending.get(id);
        if (entry) {
          const { resolve: res, reject: rej } = entry;
          entry.resolve = (v) => {
            clear();
            res(v);
          };
          entry.reject = (e) => {
            clear();
            rej(e);
          };
        }
      }
    });
  }

  /** Kills the host (test hook / shutdown of a stuck host); calls in flight fail as crashed. */
  kill(): void {
    this.channel?.kill();
  }

  dispose(): void {
    this.disposed = true;
    for (const p of this.pending.values()) p.reject(new UserError('E_SHUTDOWN', 'The editor is shutting down.', ''));
    this.pending.clear();
    this.channel?.kill();
    this.channel = null;
  }
}

/** Runs the host handlers in this thread (unit tests, and a fallback that needs no second thread). */
export class InProcessHost implements HostCaller {
  constructor(private readonly handlers: HostHandlers) {}

  async call<M extends HostMethod>(method: M, args: HostArgs<M>, opts: CallOptions = {}): Promise<HostResult<M>> {
    const fn = this.handlers[method] as unknown as (a: HostArgs<M>, ctx: { signal: AbortSignal; onProgress: (p: DubProgress) => void; onPreview?: (p: PreviewFrame) => void }) => Promise<HostResult<M>>;
    return fn(args, { signal: opts.signal ?? new AbortController().signal, onProgress: opts.onProgress ?? (() => {}), onPreview: opts.onPreview });
  }
}

/**
 * Launches the host as a worker thread (bridge server, CLI). `entry` is the host entry module:
 * a built `.js` file, or `host-entry.ts` when running from sources under tsx (then a small
 * bootstrap registers the TypeScript loader inside the worker first).
 */
export function workerLauncher(entry: URL, config: HostConfig): HostLauncher {
  return () => {
    const fromSource = entry.pathname.endsWith('.ts');
    const worker = fromSource
      ? new Worker(new URL('./boot-worker.mjs', import.meta.url), { workerData: { entry: entry.href, config } })
      : new Worker(entry, { workerData: { config } });
    let exitFn: ((code: number | null) => void) | null = null;
    let exited = false;
    worker.on('error', () => {
      // An uncaught error ends the worker; 'exit' follows and reports it as a crash.
    });
    worker.on('exit', (code) => {
      exited = true;
      exitFn?.(code);
    });
    return {
      post: (msg) => worker.postMessage(msg),
      onMessage: (fn) => worker.on('message', fn),
      onExit: (fn) => {
        exitFn = fn;
        if (exited) fn(null);
      },
      kill: () => {
        void worker.terminate();
      },
    };
  };
}

/**
 * Launches the host as a separate Node process (the bridge server): the same isolation as
 * Electron's utilityProcess, so native add-ons that are not safe in several worker threads of one
 * process (onnxruntime-node) and crashes stay inside the host. From TypeScript sources the child
 * runs under tsx's loader.
 */
export function processLauncher(entry: URL, config: HostConfig): HostLauncher {
  return () => {
    const fromSource = entry.pathname.endsWith('.ts');
    const child = fork(fileURLToPath(entry), [], {
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      env: { ...process.env, DUBBING_HOST_CONFIG: Buffer.from(JSON.stringify(config)).toString('base64') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    let exitFn: ((code: number | null) => void) | null = null;
    let exited = false;
    child.on('error', () => {
      // A failed spawn is followed by 'exit', reported as a crash.
    });
    child.on('exit', (code) => {
      exited = true;
      exitFn?.(code);
    });
    // The host never outlives the server.
    const onParentExit = () => child.kill('SIGKILL');
    process.once('exit', onParentExit);
    return {
      post: (msg) => {
        if (child.connected) child.send(msg);
      },
      onMessage: (fn) => child.on('message', (m) => fn(m as never)),
      onExit: (fn) => {
        exitFn = fn;
        if (exited) fn(null);
      },
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}
