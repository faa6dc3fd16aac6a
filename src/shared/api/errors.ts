import { z } from 'zod';

/** The wire form of an error: what the UI shows (message + hint) and a stable code. */
export const apiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string(),
});
export type ApiErrorInfo = z.infer<typeof apiErrorSchema>;

/** An error received from the services, rethrown on the renderer side with its code and hint. */
export class ApiError extends Error {
  readonly code: string;
  readonly hint: string;
  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    this.hint = info.hint;
  }
  toInfo(): ApiErrorInfo {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

/** Reads code/message/hint from anything thrown (UserError, ApiError, plain Error, string). */
export function toErrorInfo(err: unknown, fallbackCode = 'E_INTERNAL'): ApiErrorInfo {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown; hint?: unknown; name?: unknown };
    const isUser = e.name === 'UserError' || e.name === 'ApiError' || (typeof e.code === 'string' && typeof e.hint === 'string');
    if (isUser && typeof e.message === 'string') {
      return { code: String(e.code), message: e.message, hint: typeof e.hint === 'string' ? e.hint : '' };
    }
    if (e.name === 'CancelledError') return { code: 'E_CANCELLED', message: 'Cancelled.', hint: '' };
    if (typeof e.message === 'string') {
      return { code: fallbackCode, message: e.message, hint: 'This is a bug; the details are in the log.' };
    }
  }
  return { code: fallbackCode, message: String(err), hint: 'This is a bug; the details are in the log.' };
}
