import { spawn, type ChildProcess } from 'node:child_process';
import { CancelledError, UserError } from '../util/errors';

/**
 * Keeps the last `limit` bytes of a child's stderr (decoded as UTF-8 when read), so error
 * messages can quote ffmpeg's reason without buffering megabytes of log.
 */
export class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit = 8192) {}

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buf);
    this.size += buf.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  /** The kept tail as text, trimmed; at most about `limit` bytes. */
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8').trim();
  }

  /** The last `n` non-empty lines, joined with newlines. */
  lastLines(n = 5): string {
    return this.text()
      .split(/\r?\n/)
      .filter((l) => l.trim().length > 0)
      .slice(-n)
      .join('\n');
  }
}

/** Exit status of a child: `code` when it exited, `signal` when it was killed. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Resolves once `child` has exited and its stdio is closed ('close'), or when it failed to start
 * ('error', e.g. ENOENT) with `{ code: null, signal: null, error }`. Never rejects.
 */
export function waitForExit(child: ChildProcess): Promise<ExitStatus & { error?: Error }> {
  return new Promise((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
      // A child that never started emits no 'close' on some Node versions.
      if (child.pid === undefined) resolve({ code: null, signal: null, error: err });
    });
    child.once('close', (code, signal) => resolve({ code, signal, error: spawnError }));
  });
}

/** True while `child` has neither exited nor been reaped. */
export function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The UserError for a binary that could not be started (missing or not executable). */
export function spawnFailure(bin: string, err: Error): UserError {
  return new UserError(
    'E_NO_FFMPEG',
    `Could not start "${bin}": ${err.message}.`,
    'Install ffmpeg 5.1 or newer (`sudo apt-get install ffmpeg`) or set FFMPEG_PATH / FFPROBE_PATH to working binaries.',
  );
}

/** Adds a hint for the one ffmpeg-version problem we can recognise from stderr. */
export function versionHint(stderr: string): string | null {
  return /Unrecognized option '(fps_mode|display_rotation)'/.test(stderr)
    ? 'Your ffmpeg is too old: version 5.1 or newer is required (see `ffmpeg -version`).'
    : null;
}

/** A child process whose stdout the caller reads (see `spawnReader`). */
export interface ReaderProcess {
  child: ChildProcess & { stdout: NonNullable<ChildProcess['stdout']> };
  exited: Promise<ExitStatus & { error?: Error }>;
  stderr: StderrTail;
  /** Stops killing the child on `signal` (call once done with it). */
  release: () => void;
}

/**
 * Starts `bin args` with stdin ignored and stdout piped to the caller: stderr is kept as a tail,
 * a stdout error after a kill (EPIPE) is swallowed, and aborting `signal` kills the child with
 * SIGKILL. The shared start of every ffmpeg reader (frames, PCM, collected output).
 * Spawn failures surface through `exited` (`error` set, map with `spawnFailure`).
 */
export function spawnReader(bin: string, args: string[], signal?: AbortSignal): ReaderProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true }) as ReaderProcess['child'];
  const exited = waitForExit(child);
  const stderr = new StderrTail();
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  // Without a listener a stdout error (EPIPE after kill) would be an uncaught exception.
  child.stdout.on('error', () => {});
  const onAbort = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return { child, exited, stderr, release: () => signal?.removeEventListener('abort', onAbort) };
}

export interface CollectResult extends ExitStatus {
  stdout: Buffer[];
  stdoutBytes: number;
  stderr: StderrTail;
}

/**
 * Runs `bin args` to completion with stdin ignored, collecting stdout as a list of chunks (no
 * concatenation; the caller copies once into its own layout) and the stderr tail.
 * Rejects with `CancelledError` when `signal` aborts (the child is killed with SIGKILL first) and
 * with UserError `E_NO_FFMPEG` when the binary cannot be started. A non-zero exit is NOT an
 * error here: the caller maps it to the right UserError.
 */
export async function runCollect(
  bin: string,
  args: string[],
  opts: { signal?: AbortSignal } = {},
): Promise<CollectResult> {
  const { signal } = opts;
  if (signal?.aborted) throw new CancelledError();
  const { child, exited, stderr, release } = spawnReader(bin, args, signal);
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  child.stdout.on('data', (c: Buffer) => {
    stdout.push(c);
    stdoutBytes += c.length;
  });
  try {
    const status = await exited;
    if (signal?.aborted) throw new CancelledError();
    if (status.error && status.code === null && status.signal === null) throw spawnFailure(bin, status.error);
    return { code: status.code, signal: status.signal, stdout, stdoutBytes, stderr };
  } finally {
    release();
    if (isRunning(child)) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/**
 * Copies collected little-endian float32 bytes into a fresh, aligned `Float32Array` (one copy).
 * A trailing partial sample (fewer than 4 bytes) is dropped.
 */
export function chunksToFloat32(chunks: Buffer[], totalBytes: number): Float32Array {
  const out = new Float32Array(Math.floor(totalBytes / 4));
  const bytes = new Uint8Array(out.buffer);
  let off = 0;
  for (const c of chunks) {
    const n = Math.min(c.length, bytes.length - off);
    if (n <= 0) break;
    bytes.set(c.subarray(0, n), off);
    off += n;
  }
  return out;
}
