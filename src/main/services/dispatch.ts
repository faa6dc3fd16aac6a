import { contract, isChannel, type Reply } from '../../shared/api/contract';
import { toErrorInfo } from '../../shared/api/errors';
import type { Handlers } from './services';

/** One request from a renderer, whatever the transport. */
export type Dispatch = (channel: unknown, payload: unknown) => Promise<Reply<unknown>>;

/**
 * Validates a request against the contract, then runs its handler. Unknown channels and requests
 * that do not match the schema are refused with E_BAD_REQUEST (naming the first bad field) before
 * any service code runs. Errors become `{ ok: false, error: { code, message, hint } }`; a
 * non-user error is logged with its stack.
 */
export function createDispatcher(handlers: Handlers, log: (line: string) => void = () => {}): Dispatch {
  return async (channel, payload) => {
    if (!isChannel(channel)) {
      return { ok: false, error: { code: 'E_BAD_REQUEST', message: `Unknown API channel ${JSON.stringify(String(channel)).slice(0, 80)}.`, hint: '' } };
    }
    const parsed = contract[channel].request.safeParse(payload ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length ? issue.path.join('.') : '(request)';
      return { ok: false, error: { code: 'E_BAD_REQUEST', message: `Invalid ${channel} request: ${issue.message} at ${where}.`, hint: 'This is a bug in the caller.' } };
    }
    try {
      const handler = handlers[channel] as (req: unknown) => Promise<unknown>;
      return { ok: true, result: await handler(parsed.data) };
    } catch (err) {
      const info = toErrorInfo(err);
      if (info.code === 'E_INTERNAL') log(`[${channel}] ${(err as Error)?.stack ?? String(err)}`);
      return { ok: false, error: info };
    }
  };
}
