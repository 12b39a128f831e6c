/**
 * Redis connections for the queue: one URL (redis://[user:pass@]host:port[/db], rediss:// for
 * TLS) turned into ioredis options for BullMQ and for the results store.
 *   worker: commands wait (no retry limit) while Redis is away and the client reconnects for
 *           ever, so a Redis restart pauses the workers instead of killing them;
 *   cli:    one-shot commands (queue add / status / results) fail fast with a clear error.
 */
import { Redis } from 'ioredis';
import { EmovoxError } from '../../core/errors.js';

/** A queue problem the user can fix (bad URL, Redis unreachable, nothing queued, ...). */
export class QueueError extends EmovoxError {}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Key prefix of every key Emovox writes (BullMQ's queues and the results store). */
export const DEFAULT_PREFIX = 'emovox';

export type ConnectionRole = 'worker' | 'cli' | 'watch';

/** What redisOptions() gives: accepted by ioredis and by BullMQ's `connection`. */
export interface ConnectionSettings {
  url: string;
  maxRetriesPerRequest: number | null;
  connectTimeout: number;
  retryStrategy: (times: number) => number | null;
  enableReadyCheck: boolean;
}

/** ioredis options for `url` (validated) in the given role. */
export function redisOptions(url: string, role: ConnectionRole): ConnectionSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError('BAD_REDIS_URL', `--redis ${url}: not a URL (expected redis://host:port[/db])`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new QueueError('BAD_REDIS_URL', `--redis ${url}: expected a redis:// or rediss:// URL`);
  }
  const forever = role !== 'cli';
  return {
    url,
    // BullMQ workers need null here: blocking commands must not be cut by a retry limit.
    maxRetriesPerRequest: forever ? null : 2,
    connectTimeout: 5000,
    // Reconnect after 0.2, 0.4, ... up to 2 s between tries; one-shot commands give up after ~5 tries.
    retryStrategy: (times: number) => (forever || times <= 5 ? Math.min(times * 200, 2000) : null),
    enableReadyCheck: true,
  };
}

/** An ioredis client for `url`; with role 'cli' it is connected (or throws a clear QueueError). */
export async function connectRedis(url: string, role: ConnectionRole): Promise<Redis> {
  const { url: u, ...opts } = redisOptions(url, role);
  const client = new Redis(u, { ...opts, lazyConnect: true });
  client.on('error', () => undefined); // reported through the failing command instead
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new QueueError(
      'REDIS_UNREACHABLE',
      `cannot reach Redis at ${url}: ${(err as Error).message} (start redis-server or pass --redis URL)`,
    );
  }
  return client;
}
