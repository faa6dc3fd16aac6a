import { FARM_PREFIX } from './connection';
import type { RenderJobPayload } from './payload';

/**
 * Capability routing: one BullMQ queue per capability class, `render-<engine>-<provider>` (and
 * `-<root>` for engines whose model pack lies in that root). A worker listens only on the queues
 * of the engines, providers and roots it declares, so it only ever takes jobs it can run.
 */

/** Engines that need a model pack (their queues carry the pack's root name). */
export const PACK_ENGINES: readonly string[] = ['latent-diffusion', 'wav2lip'];

/** The capability class (queue name) of a render job. Engines without ONNX run on `cpu`. */
export function queueNameFor(p: Pick<RenderJobPayload, 'segments' | 'render' | 'providers'>): string {
  const first = p.segments.find((s) => s.id === p.render[0])!;
  const engine = first.engine;
  const provider = engine === 'reference' ? 'cpu' : (p.providers?.[0] ?? 'cpu');
  return queueName(engine, provider, PACK_ENGINES.includes(engine) ? first.pack?.root : undefined);
}

/** `render-<engine>-<provider>[-<packRoot>]`. */
export function queueName(engine: string, provider: string, packRoot?: string): string {
  return `render-${engine}-${provider}${packRoot ? `-${packRoot}` : ''}`;
}

/** Every queue a worker with these capabilities serves. */
export function workerQueueNames(engines: readonly string[], providers: readonly string[], rootNames: readonly string[]): string[] {
  const out = new Set<string>();
  for (const e of engines) {
    if (e === 'reference') out.add(queueName(e, 'cpu'));
    else for (const p of providers) for (const r of rootNames) out.add(queueName(e, p, r));
  }
  return [...out];
}

/** Control key: set by a submitter to cancel an active job; workers poll it. */
export function cancelKey(queue: string, jobId: string): string {
  return `${FARM_PREFIX}:ctl:cancel:${queue}:${jobId}`;
}

/** Control key prefix of the live-worker registry (one key per worker, refreshed, with a TTL). */
export const WORKER_KEY_PREFIX = `${FARM_PREFIX}:ctl:worker:`;

/** What a worker declares in the registry. */
export interface WorkerInfo {
  name: string;
  host: string;
  pid: number;
  queues: string[];
  engines: string[];
  providers: string[];
  roots: string[];
  concurrency: number;
  startedAt: string;
}
