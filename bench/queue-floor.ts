/**
 * npx tsx bench/queue-floor.ts [--jobs 5000]
 * The queue's own floor: the worker's BullMQ set-up (src/node/queue: job options, connection
 * options, metrics, concurrency 2 = one scored + one prefetched, the results store's write per
 * job) with a processor that scores nothing, jobs back to back. Prints CPU ms per job in this
 * process and in redis-server (append-only file, fsync every second, as bench:queue). Compare
 * with bench:queue's per-job main-thread and redis-server CPU: the difference is what a job
 * costs when it comes every ~6 ms between scorings (cold caches, a wake-up per reply) instead
 * of back to back. Prints the load average (the machine may be shared).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { MetricsTime, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { redisOptions } from '../src/node/queue/connection.js';
import { DEFAULT_JOB_OPTIONS, jobIdOf, openQueue } from '../src/node/queue/jobs.js';
import { queueName, type QueueModel } from '../src/node/queue/model-key.js';
import { ResultsStore, type ScoredRecord } from '../src/node/queue/results.js';
import { startRedis } from '../test/helpers/redis-server.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '5000' } } });
const N = Number(values.jobs);
if (!Number.isInteger(N) || N < 1)
  throw new RangeError(`--jobs: expected a whole number >= 1, got ${values.jobs}`);

/** utime + stime of a live process, ms. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(x[11]) + Number(x[12])) * 10;
}

const model: QueueModel = { key: 'floor', dir: '(none)' } as QueueModel;
const redis = await startRedis({ persistent: true, fsync: 'everysec' });
const client = new Redis(redis.url);
const queue = openQueue(redis.url, 'floor', model, 'cli');
const store = new ResultsStore(client, 'floor', model.key);
try {
  await queue.pause();
  for (let i = 0; i < N; i += 500) {
    const n = Math.min(500, N - i);
    await queue.addBulk(
      Array.from({ length: n }, (_, k) => {
        const hash = String(i + k).padStart(64, '0');
        const data = { source: `/archive/${i + k}.wav`, hash, model: model.key, timeline: false };
        return {
          name: 'score',
          data,
          opts: { ...DEFAULT_JOB_OPTIONS, jobId: jobIdOf(model.key, false, hash) },
        };
      }),
    );
  }
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  // A record of the size a clip's result has.
  const record = (source: string, hash: string): ScoredRecord => ({
    file: source,
    hash,
    model: model.key,
    label: 'neutral',
    emoji: '😐',
    confidence: 0.512,
    probabilities: { anger: 0.1, happiness: 0.2, neutral: 0.512, sadness: 0.188 },
    durationSec: 3,
    speechSec: 2.5,
    scoredAt: new Date().toISOString(),
  });
  const worker = new Worker(
    queueName(model.key),
    async (job) => {
      await store.putOnce(job.id!, record(job.data.source, job.data.hash));
      if (++done === N) finish();
      return { written: true };
    },
    {
      connection: redisOptions(redis.url, 'worker'),
      prefix: 'floor',
      concurrency: 2,
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
    },
  );
  await worker.waitUntilReady();
  const u0 = process.cpuUsage();
  const r0 = cpuMs(redis.pid);
  const t0 = performance.now();
  await queue.resume();
  await all;
  const wall = (performance.now() - t0) / 1000;
  const u = process.cpuUsage(u0);
  const r1 = cpuMs(redis.pid);
  console.log(
    `queue floor: ${N} jobs with an empty processor in ${wall.toFixed(1)} s (${(N / wall).toFixed(0)} jobs/s); ` +
      `CPU per job: ${((u.user + u.system) / 1000 / N).toFixed(3)} ms in this process (BullMQ, ioredis, the result write), ` +
      `${((r1 - r0) / N).toFixed(3)} ms in redis-server; load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
  );
  await worker.close();
} finally {
  await queue.close();
  client.disconnect();
  await redis.stop();
}
