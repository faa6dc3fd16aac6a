import { UserError, CancelledError } from '../util/errors';

/**
 * How a job's error travels through BullMQ's `failedReason` (a string):
 * `[CODE@worker] message | hint: ...`. A worker formats, a submitter parses it back into a UserError.
 */
export function formatJobError(err: unknown, worker?: string): string {
  const at = worker ? `@${worker}` : '';
  if (err instanceof UserError) return `[${err.code}${at}] ${err.message}${err.hint ? ` | hint: ${err.hint}` : ''}`;
  if (err instanceof CancelledError) return `[E_CANCELLED${at}] cancelled`;
  return String((err as Error)?.message ?? err);
}

/** Parses `formatJobError` output: the code (`E_FARM_JOB` when there is none), worker, message and hint. */
export function parseJobError(reason: string | undefined): { code: string; worker?: string; message: string; hint: string } {
  const m = /^\[(E_[A-Z0-9_]+)(?:@([^\]]+))?\] ([\s\S]*?)(?: \| hint: ([\s\S]*))?$/.exec(reason ?? '');
  if (m) return { code: m[1], ...(m[2] ? { worker: m[2] } : {}), message: m[3], hint: m[4] ?? '' };
  return { code: 'E_FARM_JOB', message: reason || 'unknown error', hint: '' };
}
