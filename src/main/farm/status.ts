import type { Redis } from 'ioredis';
import { FARM_PREFIX } from './connection';
import { WORKER_KEY_PREFIX, type WorkerInfo } from './queues';

/**
 * A text report of the farm: live workers (name, host, queues, concurrency) and, per queue, the
 * number of waiting, active, delayed (retrying), completed and failed jobs (read from BullMQ's keys).
 */
export async function farmStatus(r: Redis): Promise<string> {
  const keys = await r.keys(WORKER_KEY_PREFIX + '*');
  const workers = keys.length ? (await r.mget(...keys)).flatMap((v) => (v ? [JSON.parse(v) as WorkerInfo] : [])) : [];
  const lines = [`${workers.length} live worker(s)`];
  for (const w of workers) lines.push(`  ${w.name} (${w.host}, pid ${w.pid}) concurrency ${w.concurrency}: ${w.queues.join(', ')}; roots ${w.roots.join(', ')}`);
  const metaKeys = await r.keys(`${FARM_PREFIX}:render-*:meta`);
  for (const mk of metaKeys.sort()) {
    const q = mk.slice(FARM_PREFIX.length + 1, -':meta'.length);
    const base = `${FARM_PREFIX}:${q}`;
    const [wait, active, delayed, prioritized, completed, failed] = await Promise.all([
      r.llen(`${base}:wait`), r.llen(`${base}:active`), r.zcard(`${base}:delayed`), r.zcard(`${base}:prioritized`), r.zcard(`${base}:completed`), r.zcard(`${base}:failed`),
    ]);
    lines.push(`  queue ${q}: ${wait + prioritized} waiting, ${active} active, ${delayed} retrying, ${completed} completed, ${failed} failed`);
  }
  return lines.join('\n');
}
