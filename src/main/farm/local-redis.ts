import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../util/errors';

/** A private redis-server on loopback (tests, the bench). */
export interface LocalRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SIGTERM, SIGKILL after 3 s). */
  stop(): Promise<void>;
  /** Starts the server again on the same port (empty: no persistence). */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asks the OS for one, then releases it). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => res(port));
    });
  });
}

/** Waits until something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port: number, timeoutMs: number, proc: ChildProcess): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((res) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        res(true);
      });
      c.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
}

/** `redis-server` from $REDIS_SERVER, else PATH (Debian: /usr/bin/redis-server). */
export function redisServerBinary(): string {
  return process.env.REDIS_SERVER ?? 'redis-server';
}

/**
 * Starts `redis-server` bound to 127.0.0.1 on a free port, without persistence, in a fresh temp
 * folder (removed by `stop`).
 * @throws UserError E_NO_REDIS when redis-server cannot be started (not installed).
 */
export async function startLocalRedis(o: { port?: number } = {}): Promise<LocalRedis> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'farm-redis-'));
  const port = o.port ?? (await freeLoopbackPort());
  let proc: ChildProcess | null = null;
  const start = async () => {
    const p = spawn(redisServerBinary(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'], { stdio: 'ignore' });
    const spawnErr = new Promise<never>((_, rej) => p.once('error', (e) => rej(new UserError('E_NO_REDIS', `Cannot start ${redisServerBinary()} (${e.message}).`, 'Install it (apt-get install redis-server) or set REDIS_SERVER.'))));
    spawnErr.catch(() => undefined);
    await Promise.race([waitForPort(port, 10_000, p), spawnErr]);
    proc = p;
  };
  const stopProc = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((res) => p.once('exit', () => res()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      await stopProc();
      await fsp.rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopProc();
      await start();
    },
  };
}
