/**
 * A snapshot of a model's queue: BullMQ's job counts, the results store's counts, the recent
 * rate (BullMQ's per-minute completion metrics, which the workers record) and the ETA.
 */
import type { Queue } from 'bullmq';
import type { ResultsStore, StoreCounts } from './results.js';

export interface QueueSnapshot {
  waiting: number;
  active: number;
  /** Waiting for a retry (back-off). */
  delayed: number;
  /** Failed for good: a bad recording, or out of retries. */
  failed: number;
  store: StoreCounts;
  /** Recordings still to score. */
  remaining: number;
  /** Scored + failed + remaining. */
  total: number;
  /** Completions per second over the last few minutes (null before any). */
  ratePerSec: number | null;
  etaSec: number | null;
}

/** Minutes of completion metrics the one-shot rate averages over. */
export const RATE_MINUTES = 5;

export async function snapshot(queue: Queue, store: ResultsStore): Promise<QueueSnapshot> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
  const storeCounts = await store.counts();
  const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0);
  const remaining = waiting + (c.active ?? 0) + (c.delayed ?? 0);
  const m = await queue.getMetrics('completed', 0, RATE_MINUTES);
  // data[0] is the current, unfinished minute: average over the finished ones when there are any.
  const full = m.data.slice(1);
  const ratePerSec = full.length > 0 ? full.reduce((a, b) => a + b, 0) / (60 * full.length) : 0;
  // Failed for good: BullMQ's failed set, or the store's count if old failed jobs were trimmed.
  const failed = Math.max(c.failed ?? 0, storeCounts.failed);
  return {
    waiting,
    active: c.active ?? 0,
    delayed: c.delayed ?? 0,
    failed,
    store: storeCounts,
    remaining,
    total: storeCounts.ok + failed + remaining,
    ratePerSec: ratePerSec > 0 ? ratePerSec : null,
    etaSec: ratePerSec > 0 ? remaining / ratePerSec : null,
  };
}

/** Recordings finished: scored or failed for good. */
export function doneCount(s: QueueSnapshot): number {
  return s.store.ok + s.failed;
}

/** The failed jobs (up to `limit`): the recording and the reason. */
export async function failedJobs(queue: Queue, limit = 20): Promise<{ file: string; reason: string }[]> {
  const jobs = await queue.getFailed(0, limit - 1);
  return jobs.map((j) => ({
    file: (j.data as { source?: string }).source ?? j.id ?? '?',
    reason: j.failedReason,
  }));
}

export function formatDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '-';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}
