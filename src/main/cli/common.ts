import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CancelledError, UserError } from '../util/errors';

/**
 * Runs a CLI entry: user errors print "error: ..." and "hint: ..." (no stack) and exit 2,
 * Ctrl-C aborts the job (children are killed by the pipeline) and exits 130, anything else is a
 * bug and prints its stack (exit 1). With `json` errors are printed as {"ok":false,...}.
 */
export async function runCli(main: (signal: AbortSignal) => Promise<void>, json = false): Promise<void> {
  const ac = new AbortController();
  const onSig = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling...\n');
    ac.abort();
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  try {
    await main(ac.signal);
    process.exitCode = 0;
  } catch (err) {
    if (err instanceof CancelledError || ac.signal.aborted) {
      if (json) process.stdout.write(JSON.stringify({ ok: false, code: 'E_CANCELLED', message: 'Cancelled' }) + '\n');
      else process.stderr.write('cancelled; no output written\n');
      process.exitCode = 130;
    } else if (err instanceof UserError) {
      if (json) process.stdout.write(JSON.stringify({ ok: false, code: err.code, message: err.message, hint: err.hint }) + '\n');
      process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      process.exitCode = 2;
    } else {
      if (json) process.stdout.write(JSON.stringify({ ok: false, code: 'E_INTERNAL', message: String((err as Error)?.message ?? err) }) + '\n');
      process.stderr.write(`internal error (please report): ${(err as Error)?.stack ?? err}\n`);
      process.exitCode = 1;
    }
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

/** Parses "S-E" seconds ("2-4.5") into a range. @throws UserError E_ARGS. */
export function parseRangeArg(flag: string, v: string): { start: number; end: number } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(v);
  if (!m) throw new UserError('E_ARGS', `${flag} expects START-END in seconds, got "${v}".`, `Example: ${flag} 0-2.5`);
  return { start: Number(m[1]), end: Number(m[2]) };
}

/** Parses a number flag. @throws UserError E_ARGS. */
export function parseNumberArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UserError('E_ARGS', `${flag} expects a number, got "${v}".`, `Example: ${flag} 2.5`);
  return n;
}

/** Formats seconds as m:ss. */
export function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '--:--';
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Parses repeated `--param KEY=NUMBER` flags into engine parameters (validated later against the
 * engine's schema). @throws UserError E_ARGS for anything that is not KEY=finite number.
 */
export function parseParamArgs(list: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kv of list ?? []) {
    const m = /^([A-Za-z][\w]*)=(.+)$/.exec(kv);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v)) throw new UserError('E_ARGS', `--param expects KEY=NUMBER, got "${kv}".`, 'Example: --param lambdaA=1.5');
    out[m[1]] = v;
  }
  return out;
}

/**
 * `node:util` parseArgs in strict mode (`args` default: the process arguments); an unknown or
 * malformed option becomes UserError E_ARGS with `usage` as the hint.
 * @throws UserError E_ARGS.
 */
export function parseCliArgs<O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string, args?: string[]) {
  try {
    return parseArgs({ options, strict: true, ...(args ? { args } : {}) }).values;
  } catch (e) {
    throw new UserError('E_ARGS', (e as Error).message, usage);
  }
}
