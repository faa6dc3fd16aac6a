/**
 * An error meant for the person using the tool: `message` says what is wrong, `hint` says what
 * to do about it. The CLI prints both without a stack trace and exits non-zero; the editor shows
 * them in a dialog. Anything that is not a `UserError` is a bug and is reported with its stack.
 */
export class UserError extends Error {
  /** What the user can do to fix it, e.g. "Check the path or pass --video with an existing file." */
  readonly hint: string;
  /** Stable machine-readable code, e.g. `E_NO_FACE`, for `--json` output and the editor. */
  readonly code: string;

  constructor(code: string, message: string, hint = '') {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.hint = hint;
  }
}

/** Thrown when a job is cancelled through its `AbortSignal`. Never shown as a failure. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Throws `CancelledError` if `signal` is aborted. Call between frames / steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
