/**
 * A queue worker: one BullMQ Worker whose jobs are scored in a pool of threads (score-pool.ts),
 * `concurrency` at a time (default: every core). The result is written to the results store
 * (once: HSETNX) before the job is completed, so a worker killed at any point loses nothing:
 * its job's lock expires, another worker's stalled-job check puts it back, and the next run
 * finds the result already there or scores it. A recording that cannot be used fails once
 * with its reason (UnrecoverableError) and is stored as a permanent failure.
 * Jobs reach the threads in batches (WorkerOptions.batch, score-pool.ts), so the main thread
 * and Redis handle the jobs of a batch together instead of waking for each one.
 * Redis going away pauses the worker (ioredis reconnects for ever); close() finishes the
 * recordings being scored and hands the jobs it holds but has not begun back to the waiting
 * list (graceful shutdown on SIGTERM, see the `emovox worker` command).
 */
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { MetricsTime, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { connectRedis, QueueError, redisOptions } from './connection.js';
import type { JobData } from './jobs.js';
import { queueName, type QueueModel } from './model-key.js';
import { ResultsStore } from './results.js';
import { ReturnedToQueue, ScorePool } from './score-pool.js';

/** Synthetic clips each scoring thread scores before taking jobs (see WorkerOptions.warmUpClips). */
export const DEFAULT_WARM_UP_CLIPS = 64;

/** Recordings handed to a scoring thread at once (see WorkerOptions.batch). */
export const DEFAULT_BATCH = 16;

/** Seconds close() gives BullMQ to mark the last jobs completed once they have finished. */
const CLOSE_GRACE_MS = 5000;

export interface WorkerOptions {
  redisUrl: string;
  prefix: string;
  model: QueueModel;
  /** Scoring threads, each scoring one recording at a time (default: available cores). */
  concurrency?: number;
  /**
   * Batches taken beyond `concurrency`, waiting in the process for a free thread (default 1), so
   * a thread starts its next batch as soon as it finishes one instead of waiting for the Redis
   * round trips that store the results and fetch the next jobs. 0: a thread idles during them.
   */
  prefetch?: number;
  /**
   * Most recordings handed to a scoring thread at once (default DEFAULT_BATCH): the jobs of a
   * batch are fetched, handed over, stored and completed together, so the main thread and Redis
   * wake once for them rather than once per job. 1: one by one.
   */
  batch?: number;
  backend?: 'wasm' | 'cpu';
  /**
   * Synthetic clips each thread scores before the worker takes jobs, so V8 has compiled the
   * scoring code by then (default 64, about 0.5 s per thread; 0: none).
   */
  warmUpClips?: number;
  /** A job whose lock is not renewed for this long is taken as stalled (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (BullMQ default 30 s). */
  stalledIntervalMs?: number;
  log?: (line: string) => void;
}

export interface WorkerStats {
  scored: number;
  failed: number;
  /** Jobs whose result was already stored (a re-run after a crash): nothing scored. */
  skipped: number;
  /** Time inside the scoring threads, ms. */
  scoreMs: number;
  /** Time in the job processor (waiting for a free thread, Redis round trips, scoring), ms. */
  jobMs: number;
}

export interface RunningWorker {
  readonly concurrency: number;
  readonly stats: WorkerStats;
  /** Seconds from start to ready: loading the model and the warm-up, in every thread at once. */
  readonly readySec: number;
  /** Resolves once every thread has loaded the model and warmed up. */
  ready: Promise<void>;
  /** Stops taking jobs, finishes the active ones, closes the threads and connections. */
  close(force?: boolean): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const log = opts.log ?? (() => undefined);
  const concurrency = opts.concurrency ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`--concurrency must be a whole number >= 1, got ${opts.concurrency}`);
  }
  const prefetch = opts.prefetch ?? 1;
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new RangeError(`--prefetch must be a whole number >= 0, got ${opts.prefetch}`);
  }
  const batch = opts.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`--batch must be a whole number >= 1, got ${opts.batch}`);
  }
  const warmUpClips = opts.warmUpClips ?? DEFAULT_WARM_UP_CLIPS;
  if (!Number.isInteger(warmUpClips) || warmUpClips < 0) {
    throw new RangeError(`--warm-up must be a whole number >= 0, got ${opts.warmUpClips}`);
  }
  const redis = await connectRedis(opts.redisUrl, 'worker');
  const store = new ResultsStore(redis, opts.prefix, opts.model.key);
  const pool = new ScorePool(
    { modelDir: opts.model.dir, backend: opts.backend ?? 'wasm' },
    concurrency,
    batch,
  );
  const stats: WorkerStats = { scored: 0, failed: 0, skipped: 0, scoreMs: 0, jobMs: 0 };

  // The processor calls in progress, so close() can tell when the last one has finished.
  const inFlight = new Set<Promise<unknown>>();
  const processJob = (job: Job<JobData>, token?: string) => {
    const p = scoreJob(job, token);
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };

  const scoreJob = async (job: Job<JobData>, token?: string) => {
    const t0 = performance.now();
    const id = job.id!;
    // Only a job that was active before (a worker died or Redis went away after its result was
    // written) can find its result stored: one Redis round trip less for every other job. A
    // re-added recording whose result exists is not queued at all (addRecordings), and putOnce
    // refuses a second write anyway.
    const ranBefore = job.attemptsStarted > 1 || job.attemptsMade > 0 || job.stalledCounter > 0;
    if (ranBefore && (await store.has(id))) {
      stats.skipped++;
      return { skipped: true };
    }
    let r;
    try {
      r = await pool.run(job.data);
    } catch (err) {
      if (!(err instanceof ReturnedToQueue)) throw err;
      // Stopping before this job's recording was begun: straight back to the waiting list, not
      // an attempt. With Redis away, its lock expires instead and the stalled check returns it.
      await Promise.race([
        job.moveToWait(token).catch(() => undefined),
        delay(CLOSE_GRACE_MS, undefined, { ref: false }),
      ]);
      throw new WaitingError();
    }
    if (!r.ok) {
      await store.putOnce(id, {
        file: job.data.source,
        hash: job.data.hash,
        model: job.data.model,
        error: r.error,
        code: r.code,
        failedAt: new Date().toISOString(),
      });
      stats.failed++;
      log(`failed: ${r.error}`);
      throw new UnrecoverableError(r.error);
    }
    const written = await store.putOnce(id, r.record);
    stats.scored++;
    stats.scoreMs += r.scoreMs;
    stats.jobMs += performance.now() - t0;
    return { written };
  };

  const worker = new Worker<JobData>(queueName(opts.model.key), processJob, {
    connection: redisOptions(opts.redisUrl, 'worker'),
    prefix: opts.prefix,
    // BullMQ holds this many jobs at once; the pool scores `concurrency` batches of them and
    // queues the rest.
    concurrency: (concurrency + prefetch) * batch,
    lockDuration: opts.lockDurationMs ?? 30_000,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    // A recording that kills its worker three times (e.g. out of memory) fails instead of looping.
    maxStalledCount: 3,
    metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
    autorun: false,
  });
  let lastError = '';
  worker.on('error', (err) => {
    // Connection errors repeat every retry while Redis is down: report each kind once.
    if (err.message !== lastError) log(`redis: ${err.message} (retrying)`);
    lastError = err.message;
  });
  worker.on('ready', () => {
    if (lastError) log('redis: connected again');
    lastError = '';
  });
  redis.on('error', () => undefined);

  // Load the model in every thread and warm it up before taking jobs.
  const t0 = performance.now();
  const warmUp = pool.warmUp(warmUpClips);
  const ready = warmUp.then(() => undefined);
  try {
    const stopped = await warmUp;
    if (stopped) log(`warm-up ended early (jobs are not affected): ${stopped}`);
  } catch (err) {
    await worker.close(true);
    await pool.close();
    redis.disconnect();
    throw new QueueError('BAD_MODEL', `cannot load the model ${opts.model.dir}: ${(err as Error).message}`);
  }
  const readySec = (performance.now() - t0) / 1000;
  void worker.run();

  let closing: Promise<void> | null = null;
  return {
    concurrency,
    stats,
    readySec,
    ready,
    close(force = false) {
      closing ??= (async () => {
        pool.release();
        const closed = worker.close(force);
        // BullMQ's close() used to wait for ever when its blocking connection was between
        // reconnection tries (an ioredis bug, fixed for every client in connection.ts). It still
        // waits for the commands it had in flight, and with Redis down those wait for Redis.
        // So once our own jobs have finished and their results are stored, give it a few
        // seconds to mark them completed, then disconnect: a job it could not mark is handed
        // back when its lock expires, and the re-run finds its result.
        await Promise.allSettled([...inFlight]);
        const settled = await Promise.race([
          closed.then(() => true),
          delay(CLOSE_GRACE_MS, false, { ref: false }),
        ]);
        if (!settled) {
          log(`redis: BullMQ did not close within ${CLOSE_GRACE_MS / 1000} s of the last job; disconnecting`);
          // Not awaited: after a Redis restart it can hang like close() (the CLI exits anyway).
          void worker.disconnect().catch(() => undefined);
        }
        await pool.close();
        redis.disconnect();
      })();
      return closing;
    },
  };
}
