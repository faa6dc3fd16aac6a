import { spawn, type ChildProcess } from 'node:child_process';

/** A farm worker in its own process (`src/main/cli/farm.ts worker`), as on a farm machine. */
export interface LocalWorker {
  name: string;
  proc: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL (no cleanup, like a crashed machine). */
  kill9(): void;
  /** SIGTERM (graceful), then SIGKILL after `ms` milliseconds; resolves when it exited. */
  stop(ms?: number): Promise<void>;
}

/**
 * Spawns `node --import tsx src/main/cli/farm.ts worker` in `repoRoot` and waits (up to 60 s) for
 * its "ready" line. For tests and the bench on one machine.
 * @param roots NAME=PATH pairs (must include cache).
 * @throws Error with the worker's output when it exits or does not start in time.
 */
export async function spawnLocalWorker(o: { repoRoot: string; name: string; redisUrl: string; roots: Record<string, string>; lockMs?: number; env?: NodeJS.ProcessEnv }): Promise<LocalWorker> {
  const args = ['--import', 'tsx', 'src/main/cli/farm.ts', 'worker', '--redis', o.redisUrl, '--name', o.name];
  if (o.lockMs) args.push('--lock-ms', String(o.lockMs));
  for (const [k, v] of Object.entries(o.roots)) args.push('--root', `${k}=${v}`);
  const proc = spawn(process.execPath, args, { cwd: o.repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  const t0 = Date.now();
  while (!out.includes(`worker ${o.name} ready`)) {
    if (proc.exitCode !== null) throw new Error(`worker ${o.name} exited early (code ${proc.exitCode}):\n${out}`);
    if (Date.now() - t0 > 60_000) {
      proc.kill('SIGKILL');
      throw new Error(`worker ${o.name} did not start in 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: o.name,
    proc,
    output: () => out,
    kill9: () => void proc.kill('SIGKILL'),
    async stop(ms = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(t);
    },
  };
}
