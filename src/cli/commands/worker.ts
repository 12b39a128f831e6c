/**
 * `emovox worker`: score queued recordings (emovox queue add) until stopped. Run any number,
 * on any number of machines, against the same Redis. SIGTERM / SIGINT (also during start-up):
 * stop taking jobs, finish the recordings being scored, hand the jobs held but not begun back to
 * the queue, exit; a second signal exits at once (the jobs go back to the queue when their lock
 * expires).
 */
import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { queueModel, queueName } from '../../node/queue/model-key.js';
import { DEFAULT_BATCH, DEFAULT_WARM_UP_CLIPS, startWorker } from '../../node/queue/worker.js';
import { resolveModelDir } from '../../node/model.js';
import { modelSource } from '../model-option.js';
import { addCommonOptions, positiveInt } from './queue.js';

interface WorkerCliOptions {
  redis: string;
  prefix: string;
  model?: string;
  concurrency: number;
  prefetch: number;
  batch: number;
  backend: 'wasm' | 'cpu';
  lockDuration: number;
  stalledInterval: number;
  statsEvery: number;
  warmUp: number;
}

async function run(opts: WorkerCliOptions): Promise<void> {
  const model = queueModel(resolveModelDir(modelSource(opts.model)));
  const log = (line: string) => process.stderr.write(`emovox worker ${process.pid}: ${line}\n`);
  // Signals are caught from the start: one that arrives while the model loads or warms up stops
  // the worker as soon as it is up, instead of killing it or going unnoticed.
  let signalled: ((signal: string) => void) | null = null;
  let early: string | null = null;
  const onSignal = (signal: string) => (signalled ? signalled(signal) : (early ??= signal));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const w = await startWorker({
    redisUrl: opts.redis,
    prefix: opts.prefix,
    model,
    concurrency: opts.concurrency,
    prefetch: opts.prefetch,
    batch: opts.batch,
    backend: opts.backend,
    lockDurationMs: opts.lockDuration,
    stalledIntervalMs: opts.stalledInterval,
    warmUpClips: opts.warmUp,
    log,
  });
  log(
    `ready: queue ${queueName(model.key)} at ${opts.redis}, ${w.concurrency} threads` +
      `; model loaded${opts.warmUp > 0 ? ` and warmed up on ${opts.warmUp} synthetic clips per thread` : ''} in ${w.readySec.toFixed(1)} s`,
  );
  const timer = setInterval(() => {
    const s = w.stats;
    log(`scored ${s.scored}, failed ${s.failed}, skipped ${s.skipped}`);
  }, opts.statsEvery * 1000);
  timer.unref();
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log(`${signal} again: exiting now; active jobs return to the queue when their lock expires`);
        process.exit(130);
      }
      stopping = true;
      log(`${signal}: finishing the recordings being scored, returning the rest (send it again to exit now)`);
      w.close().then(resolve, (err: unknown) => {
        log(`error while closing: ${(err as Error).message}`);
        resolve();
      });
    };
    signalled = stop;
    if (early !== null) stop(early);
  });
  clearInterval(timer);
  const s = w.stats;
  const per = (ms: number) => (s.scored > 0 ? (ms / s.scored).toFixed(1) : '-');
  log(
    `stopped: scored ${s.scored}, failed ${s.failed}, skipped ${s.skipped}; ` +
      `per job ${per(s.jobMs)} ms in the processor (with any wait for a thread), ` +
      `${per(s.scoreMs)} ms of it reading, decoding and scoring`,
  );
  // A BullMQ connection that never settled after a Redis restart must not keep the process up.
  process.exit(process.exitCode ?? 0);
}

export function register(program: Command): void {
  addCommonOptions(
    program
      .command('worker')
      .description(
        'Score queued recordings (emovox queue add) until stopped; run any number on any number of machines. ' +
          'SIGTERM finishes the recordings being scored, returns the jobs not begun to the queue, then exits; the worker reconnects when Redis restarts',
      ),
  )
    .option(
      '--concurrency <n>',
      'scoring threads, each scoring one recording at a time; the default is the number of cores',
      positiveInt('--concurrency'),
      availableParallelism(),
    )
    .option(
      '--prefetch <n>',
      'batches held beyond --concurrency, so a thread starts its next batch without waiting for Redis (0: none)',
      positiveInt('--prefetch', 0),
      1,
    )
    .option(
      '--batch <n>',
      'most recordings handed to a thread at once; their jobs are stored and completed together, so the process and Redis wake once per batch, not per job (1: one by one)',
      positiveInt('--batch'),
      DEFAULT_BATCH,
    )
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .option(
      '--lock-duration <ms>',
      'a job whose worker stops renewing its lock for this long is given to another worker',
      positiveInt('--lock-duration'),
      30000,
    )
    .option(
      '--stalled-interval <ms>',
      'how often to look for such stalled jobs',
      positiveInt('--stalled-interval'),
      30000,
    )
    .option(
      '--warm-up <clips>',
      'synthetic 3 s clips each thread scores before taking jobs, so the scoring code is compiled by then (0: none)',
      positiveInt('--warm-up', 0),
      DEFAULT_WARM_UP_CLIPS,
    )
    .option(
      '--stats-every <sec>',
      'seconds between progress lines on stderr',
      positiveInt('--stats-every'),
      60,
    )
    .action(async (opts: WorkerCliOptions) => run(opts));
}
