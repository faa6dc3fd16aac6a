import { spawn } from 'node:child_process';
import { CancelledError } from '../util/errors';

/** Result of `runTool`: `missing` is true when the program could not be started (not installed). */
export interface ToolResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  missing: boolean;
}

/**
 * Runs an external program to completion with optional stdin, collecting stdout (bytes) and
 * stderr (text, last 64 kB). Never throws for a missing program or a non-zero exit (the caller
 * turns those into messages); throws CancelledError when `signal` aborts (the child is killed).
 */
export function runTool(bin: string, args: string[], o: { input?: string | Buffer; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> {
  if (o.signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, env: o.env ?? process.env });
    const out: Buffer[] = [];
    let err = '';
    let missing = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      if (err.length > 65536) err = err.slice(-65536);
    });
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') missing = true;
      else err += String(e.message);
    });
    const onAbort = () => child.kill('SIGKILL');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) reject(new CancelledError());
      else resolve({ code, stdout: Buffer.concat(out), stderr: err, missing });
    });
    child.stdin.end(o.input ?? '');
  });
}
