import { execFileSync } from 'node:child_process';
import { redisServerBinary } from '../../src/main/farm/local-redis';
import { repoRoot } from '../helpers/shared-media';
import { spawnLocalWorker, type LocalWorker } from '../../src/main/farm/local-worker';

export type WorkerProc = LocalWorker;

/** Spawns a worker process (`npm run farm -- worker`) with these roots and waits until it is ready. */
export function spawnWorker(name: string, redisUrl: string, roots: Record<string, string>, lockMs: number): Promise<WorkerProc> {
  return spawnLocalWorker({ repoRoot: repoRoot(), name, redisUrl, roots, lockMs });
}

/** Whether `redis-server` (or $REDIS_SERVER) can be run here; prints why not when it cannot. */
export function haveRedisServer(): boolean {
  try {
    execFileSync(redisServerBinary(), ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.log(`[skip] farm tests with Redis: ${redisServerBinary()} not found (apt-get install redis-server, or set REDIS_SERVER); .ci/run installs it`);
    return false;
  }
}
