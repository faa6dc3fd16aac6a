import { ENGINE_IDS } from '../engines/registry';
import { UserError } from '../util/errors';
import { DEFAULT_REDIS_URL, connectRedis, redactRedisUrl } from '../farm/connection';
import { parseRootArgs } from '../farm/roots';
import { startFarmWorker } from '../farm/worker';
import { farmStatus } from '../farm/status';
import { parseCliArgs, parseNumberArg, runCli } from './common';

const USAGE = `Usage: npm run farm -- worker --redis URL --root cache=PATH [--root NAME=PATH ...] [options]
       npm run farm -- status --redis URL

  worker              take render jobs from the farm and render them into the shared cache
    --redis URL       Redis of the farm (default ${DEFAULT_REDIS_URL}; rediss:// for TLS,
                      redis://USER:PASSWORD@host:port for a password / ACL user)
    --root NAME=PATH  where this machine sees a shared folder (repeatable); "cache" is the shared
                      render cache (required), other names as the submitters use them (e.g. media)
    --concurrency N   jobs at once (default 1)
    --engines LIST    engines this machine runs (default ${ENGINE_IDS.join(',')})
    --providers LIST  ONNX Runtime providers it offers the neural engines, e.g. cuda,cpu (default cpu)
    --lock-ms N       job lock in milliseconds (default 30000): a worker that dies loses its jobs
                      to the others after about this long (stalled-job detection)
    --name NAME       name in logs and progress (default HOST-PID)
  status              live workers, their queues, and job counts per queue
`;

const [cmd, ...rest] = process.argv.slice(2);
void runCli(async (signal) => {
  if (!cmd || cmd === '--help' || cmd === '-h') return void process.stdout.write(USAGE);
  if (cmd === 'worker') {
    const v = parseCliArgs(
      {
        redis: { type: 'string', default: DEFAULT_REDIS_URL }, root: { type: 'string', multiple: true }, concurrency: { type: 'string' },
        engines: { type: 'string' }, providers: { type: 'string' }, 'lock-ms': { type: 'string' }, name: { type: 'string' },
      },
      USAGE,
      rest,
    );
    const list = (s?: string) => s?.split(',').map((x) => x.trim()).filter(Boolean);
    const concurrency = parseNumberArg('--concurrency', v.concurrency);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new UserError('E_ARGS', `--concurrency expects a whole number >= 1, got ${v.concurrency}.`, USAGE);
    const lockMs = parseNumberArg('--lock-ms', v['lock-ms']);
    if (lockMs !== undefined && !(lockMs >= 1000)) throw new UserError('E_ARGS', `--lock-ms expects at least 1000, got ${v['lock-ms']}.`, USAGE);
    const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${m}\n`);
    const w = await startFarmWorker({
      redisUrl: v.redis!, roots: parseRootArgs(v.root), concurrency, engines: list(v.engines), providers: list(v.providers),
      timing: lockMs ? { lockMs } : undefined, name: v.name, log,
    });
    process.stdout.write(`worker ${w.name} ready\n`);
    await new Promise<void>((res) => signal.addEventListener('abort', () => res(), { once: true }));
    log('stopping: finishing running jobs (Ctrl-C again to stop at once; they are then picked up elsewhere)');
    await w.close();
    return;
  }
  if (cmd === 'status') {
    const v = parseCliArgs({ redis: { type: 'string', default: DEFAULT_REDIS_URL } }, USAGE, rest);
    const r = await connectRedis(v.redis!);
    try {
      process.stdout.write(`${redactRedisUrl(v.redis!)}\n${await farmStatus(r)}\n`);
    } finally {
      r.disconnect();
    }
    return;
  }
  throw new UserError('E_ARGS', `Unknown command "${cmd}".`, USAGE);
});
