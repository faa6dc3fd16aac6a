import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions as BullConnection } from 'bullmq';
import { UserError } from '../util/errors';

/** Default Redis of the farm: loopback, standard port, no password (see README "Render farm"). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Key prefix of every key the farm writes (BullMQ queues and the farm's own control keys). */
export const FARM_PREFIX = 'dubfarm';

/** Redis connection settings parsed from a URL. */
export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** `rediss://`: TLS (server certificate checked against the system CAs). */
  tls: boolean;
}

/**
 * Parses a Redis URL: `redis://[[user]:password@]host[:port][/db]` or `rediss://...` for TLS
 * (password / ACL user and TLS come through the URL, as redis-cli and ioredis read them).
 * @throws UserError E_FARM_URL for anything else.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError('E_FARM_URL', `"${url}" is not a Redis URL.`, `Example: --farm ${DEFAULT_REDIS_URL} (rediss:// for TLS, redis://:PASSWORD@host:6379 with a password).`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UserError('E_FARM_URL', `"${redactRedisUrl(url)}" is not a Redis URL (scheme ${u.protocol}).`, 'Use redis://host:port, or rediss://host:port for TLS.');
  }
  const port = u.port ? Number(u.port) : 6379;
  const dbPart = u.pathname.replace(/^\//, '');
  const db = dbPart ? Number(dbPart) : 0;
  if (!Number.isInteger(port) || port <= 0 || port > 65535 || !Number.isInteger(db) || db < 0) {
    throw new UserError('E_FARM_URL', `Bad port or database number in "${redactRedisUrl(url)}".`, 'Example: redis://127.0.0.1:6379/0');
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return {
    host: host || '127.0.0.1',
    port,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db,
    tls: u.protocol === 'rediss:',
  };
}

/** The URL with its password replaced by `***` (for messages and logs). */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

/** True for loopback hosts (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * A warning when the URL reaches Redis over the network without a password or without TLS, or
 * null. The default is loopback; farms across machines should use a password (ACL) and `rediss://`.
 */
export function redisSecurityWarning(t: RedisTarget): string | null {
  if (isLoopbackHost(t.host)) return null;
  const missing = [t.password ? '' : 'no password', t.tls ? '' : 'no TLS'].filter(Boolean);
  return missing.length ? `Redis at ${t.host}:${t.port} is reached over the network with ${missing.join(' and ')}; see README "Render farm" (requirepass / ACL, TLS).` : null;
}

/**
 * ioredis options for a target. `blocking` (BullMQ workers): commands wait for a reconnect
 * forever (`maxRetriesPerRequest: null`); otherwise a command fails after a few reconnect tries.
 * Reconnects back off from 100 ms to 2 s and never give up.
 */
export function redisOptions(t: RedisTarget, blocking: boolean): RedisOptions & BullConnection {
  const o: RedisOptions = {
    host: t.host,
    port: t.port,
    username: t.username,
    password: t.password,
    db: t.db,
    ...(t.tls ? { tls: { servername: t.host } } : {}),
    maxRetriesPerRequest: blocking ? null : 3,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(2000, 100 * times),
  };
  // BullMQ's connection type is its own structural copy of ioredis' options.
  return o as RedisOptions & BullConnection;
}

/**
 * Opens a control connection (the farm's own keys: cancel flags, worker registry) and waits until
 * it answers PING.
 * @param timeoutMs how long to wait for the first connection (milliseconds).
 * @throws UserError E_FARM_REDIS when Redis does not answer in time (the message says where).
 */
export async function connectRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  const t = parseRedisUrl(url);
  const r = new Redis({ ...redisOptions(t, false), maxRetriesPerRequest: 1, lazyConnect: true });
  r.on('error', () => undefined); // reported through the failed command below; reconnects on its own
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await r.connect();
        await r.ping();
      })(),
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error('timed out')), timeoutMs);
      }),
    ]);
  } catch (err) {
    r.disconnect();
    throw new UserError(
      'E_FARM_REDIS',
      `Cannot reach Redis at ${redactRedisUrl(url)} (${(err as Error).message}).`,
      'Start redis-server there (see README "Render farm"), or check the host, port, password and TLS (rediss://) in the URL.',
    );
  } finally {
    clearTimeout(timer);
  }
  return r;
}
