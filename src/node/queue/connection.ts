/**
 * Redis connections for the queue: one URL (redis://[user:pass@]host:port[/db], rediss:// for
 * TLS) turned into ioredis options for BullMQ and for the results store.
 *   worker: commands wait (no retry limit) while Redis is away and the client reconnects for
 *           ever, so a Redis restart pauses the workers instead of killing them;
 *   cli:    one-shot commands (queue add / status / results) fail fast with a clear error.
 */
import { Redis } from 'ioredis';
// ioredis has no "exports" map: its event handlers are reachable, typed, at their built path.
import { closeHandler } from 'ioredis/built/redis/event_handler.js';
import { EmovoxError } from '../../core/errors.js';

/**
 * ioredis (5 and 6.0) loses the 'end' of a client that is disconnected while it waits to
 * reconnect: disconnect() clears the retry timer and ends a socket that is already closed, so
 * no 'close' event follows, the status stays 'reconnecting' for ever and 'end' is never emitted
 * (redis/ioredis#1247; the same fix is proposed upstream in redis/ioredis#2169). BullMQ's
 * Worker.close() disconnects its blocking connection and waits for that 'end', so a worker
 * stopped while that connection was between retries (SIGTERM during or just after a Redis
 * restart) never closed. Here such a disconnect runs ioredis's own close handler, as a socket's
 * 'close' would: pending commands fail with "Connection is closed.", the status becomes 'end'
 * and 'end' is emitted. Applied once, to every ioredis client of the process (BullMQ's too).
 */
const PATCHED = Symbol.for('emovox.ioredis-disconnect-while-reconnecting');
const proto = Redis.prototype as Redis & { [PATCHED]?: true };
if (!proto[PATCHED]) {
  const disconnect = proto.disconnect;
  proto.disconnect = function (this: Redis, reconnect = false): void {
    const waitingToReconnect = !reconnect && this.status === 'reconnecting';
    disconnect.call(this, reconnect);
    if (waitingToReconnect && this.status === 'reconnecting') closeHandler(this)();
  };
  proto[PATCHED] = true;
}

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
