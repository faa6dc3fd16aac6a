import path from 'node:path';
import { defaultCacheDir } from '../pipeline/job';
import { UserError } from '../util/errors';
import { FarmClient } from './client';
import { CACHE_ROOT, parseRootArgs } from './roots';
import { formatFarmProgress, type FarmProgress } from './progress';

/** Help text of the submitting CLIs' farm flags. */
export const FARM_USAGE = `  --farm URL          render the segments on a render farm (BullMQ on Redis, e.g. redis://127.0.0.1:6379;
                      rediss:// for TLS, redis://:PASSWORD@host for a password); the export is made here
  --root NAME=PATH    a shared folder and its name on the farm (repeatable); the cache folder is root "cache"
`;

/**
 * Connects a submitter to the farm for a CLI: roots from `--root` (plus `cache` = the cache
 * folder when not given), a progress printer (every second, per job and overall with ETA).
 * @throws UserError E_ARGS (bad roots), E_FARM_URL, E_FARM_REDIS.
 */
export async function farmForCli(o: { url: string; rootArgs?: string[]; cacheDir?: string; quiet: boolean; log: (m: string) => void }) {
  const roots = parseRootArgs(o.rootArgs);
  const cacheDir = path.resolve(o.cacheDir ?? defaultCacheDir());
  const given = roots.get(CACHE_ROOT);
  if (given && given !== cacheDir) throw new UserError('E_ARGS', `--root cache=${given} differs from the cache folder ${cacheDir}.`, 'Pass the same folder to --cache and --root cache=..., or only one of them.');
  roots.set(CACHE_ROOT, cacheDir);
  const client = await FarmClient.connect({ redisUrl: o.url, log: o.log });
  let last = 0;
  const onProgress = (p: FarmProgress) => {
    if (o.quiet) return;
    const now = Date.now();
    if (p.jobsDone !== p.jobs.length && now - last < 1000) return;
    last = now;
    process.stderr.write(formatFarmProgress(p) + '\n');
  };
  return { client, roots, cacheDir, onProgress };
}
