/**
 * --retention-days: recordings older than N days are deleted (row, descriptor vectors and
 * audio file; see RecordingStore.deleteOlderThan) when the server starts and then every
 * `everyMs` while it runs.
 */
import type { FastifyInstance } from 'fastify';
import { EmovoxError } from '../../core/errors.js';
import type { RecordingStore } from '../store/recordings.js';

/** How often a running server deletes what has aged out (1 hour). */
export const RETENTION_SWEEP_MS = 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes `store`'s recordings older than `days` days before `now`; returns their ids. */
export function applyRetention(store: RecordingStore, days: number, now: Date = new Date()): string[] {
  return store.deleteOlderThan(new Date(now.getTime() - days * DAY_MS));
}

/** Throws unless `days` is a positive number. */
export function checkRetentionDays(days: number): number {
  if (!(Number.isFinite(days) && days > 0)) {
    throw new EmovoxError('BAD_RETENTION', `retention days must be a number > 0, got ${days}`);
  }
  return days;
}

/** Applies the retention now and every `everyMs` until `app` closes. */
export function scheduleRetention(
  app: FastifyInstance,
  store: RecordingStore,
  days: number,
  everyMs = RETENTION_SWEEP_MS,
): void {
  checkRetentionDays(days);
  const run = () => {
    try {
      const deleted = applyRetention(store, days);
      if (deleted.length > 0)
        app.log.info({ deleted: deleted.length, days }, 'retention: deleted old recordings');
    } catch (err) {
      // A failed sweep (e.g. the database busy) must not stop the server; the next one retries.
      app.log.error({ err }, 'retention sweep failed');
      console.error('emovox: retention sweep failed:', err instanceof Error ? err.message : err);
    }
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}
