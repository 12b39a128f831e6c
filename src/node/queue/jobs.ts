/**
 * Jobs: one per recording, id = model key + mode + SHA-256 of the contents, so the same
 * recording added twice (or from two paths) is scored once. Adding streams the listing in
 * batches: hash a batch (a few files at a time), register it in the results store, add the new
 * ones with one BullMQ addBulk; memory holds one batch, whatever the archive's size.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { ResultsStore } from './results.js';
import type { ScoreInput } from './score.js';
import { queueName, type QueueModel } from './model-key.js';
import { contentHash } from './sources.js';
import { redisOptions } from './connection.js';

export type JobData = ScoreInput;

/**
 * Retries with back-off for what may pass (a network share that blinked, a worker killed);
 * a recording that cannot be used fails at once (UnrecoverableError, see worker.ts). Completed
 * jobs are removed (the results store keeps their result); failed ones are kept to be listed.
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
  removeOnFail: { count: 100_000 },
};

export function jobIdOf(modelKey: string, timeline: boolean, hash: string): string {
  return `${modelKey}.${timeline ? 'timeline' : 'clip'}.${hash}`;
}

/** The BullMQ queue of a model (the caller closes it). */
export function openQueue(
  redisUrl: string,
  prefix: string,
  model: QueueModel,
  role: 'cli' | 'worker',
): Queue {
  const q = new Queue<JobData>(queueName(model.key), {
    connection: redisOptions(redisUrl, role),
    prefix,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
  });
  q.on('error', () => undefined); // surfaced by the failing call
  return q;
}

export interface AddReport {
  /** Recordings listed. */
  seen: number;
  /** Content never seen before, now queued. */
  queued: number;
  /** Added before and not scored yet: submitted again (BullMQ ignores it while it is queued). */
  requeued: number;
  /** Already has a result (or failed for good): nothing to do. */
  alreadyScored: number;
  /** Same content as another path already added: one result, listed under both paths. */
  duplicates: number;
  /** Could not be read to hash it (path and reason). */
  unreadable: { source: string; error: string }[];
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

export interface AddOptions {
  model: QueueModel;
  timeline: boolean;
  /** Recordings per round trip. */
  batchSize?: number;
  /** Files hashed at once. */
  hashConcurrency?: number;
  onBatch?: (r: AddReport) => void;
}

export async function addRecordings(
  queue: Queue,
  store: ResultsStore,
  sources: AsyncIterable<string>,
  { model, timeline, batchSize = 500, hashConcurrency = 4, onBatch }: AddOptions,
): Promise<AddReport> {
  const report: AddReport = {
    seen: 0,
    queued: 0,
    requeued: 0,
    alreadyScored: 0,
    duplicates: 0,
    unreadable: [],
  };
  let batch: string[] = [];
  const flush = async () => {
    const hashed = await mapLimit(batch, hashConcurrency, async (source) => {
      try {
        return { source, hash: await contentHash(source) };
      } catch (err) {
        report.unreadable.push({ source, error: (err as Error).message });
        return null;
      }
    });
    const items = hashed
      .filter((h): h is { source: string; hash: string } => h !== null)
      .map((h) => ({ ...h, jobId: jobIdOf(model.key, timeline, h.hash) }));
    const states = await store.register(items);
    const jobs = [];
    for (let i = 0; i < items.length; i++) {
      const { state, scored } = states[i];
      if (state === 2) report.duplicates++;
      else if (scored) report.alreadyScored++;
      else {
        if (state === 1) report.queued++;
        else report.requeued++;
        const data: JobData = { source: items[i].source, hash: items[i].hash, model: model.key, timeline };
        jobs.push({ name: 'score', data, opts: { ...DEFAULT_JOB_OPTIONS, jobId: items[i].jobId } });
      }
    }
    if (jobs.length > 0) await queue.addBulk(jobs);
    report.seen += batch.length;
    batch = [];
    onBatch?.(report);
  };
  for await (const source of sources) {
    batch.push(source);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return report;
}
