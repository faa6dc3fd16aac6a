import { describe, expect, it } from 'vitest';
import { HostSupervisor, type HostLauncher } from '../../src/main/services/host/supervisor';

/** A fake host: the first instance never answers; later instances answer every call. */
function fakeLauncher(log: string[]): HostLauncher {
  let instances = 0;
  return () => {
    const n = ++instances;
    let onMsg: ((m: never) => void) | null = null;
    let onExit: ((code: number | null) => void) | null = null;
    log.push(`start ${n}`);
    return {
      post: (msg: { type: string; id: number; method: string }) => {
        if (msg.type !== 'call' || n === 1) return; // the first host is wedged
        setTimeout(() => onMsg?.({ type: 'result', id: msg.id, result: { answeredBy: n } } as never), 1);
      },
      onMessage: (fn: (m: never) => void) => (onMsg = fn),
      onExit: (fn: (code: number | null) => void) => (onExit = fn),
      kill: () => {
        log.push(`kill ${n}`);
        setTimeout(() => onExit?.(null), 1);
      },
    } as unknown as ReturnType<HostLauncher>;
  };
}

describe('host watchdog', () => {
  it('restarts a host that does not answer a quick call and retries it once', async () => {
    const log: string[] = [];
    const sup = new HostSupervisor('interactive', fakeLauncher(log), { quickCallTimeoutMs: 50 });
    const res = await sup.call('peaks', { path: '/x.wav', peaksPerSecond: 100 });
    expect(res).toEqual({ answeredBy: 2 });
    expect(log).toEqual(['start 1', 'kill 1', 'start 2']);
    sup.dispose();
  });

  it('does not time out long jobs', async () => {
    const log: string[] = [];
    const sup = new HostSupervisor('jobs', fakeLauncher(log), { quickCallTimeoutMs: 20 });
    const pending = sup.call('render', {} as never);
    const state = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('still running'), 120))]);
    expect(state).toBe('still running');
    sup.dispose();
    await pending.catch(() => undefined);
  });
});
