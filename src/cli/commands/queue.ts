/**
 * `emovox queue add | status | results`: feed an archive to BullMQ over Redis, watch it, and
 * export its results. The scoring itself is `emovox worker` (worker.ts), on any number of
 * machines. See src/node/queue/README.md.
 */
import { Option, type Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { connectRedis, DEFAULT_PREFIX, DEFAULT_REDIS_URL, QueueError } from '../../node/queue/connection.js';
import { addRecordings, openQueue } from '../../node/queue/jobs.js';
import { queueModel, queueName, type QueueModel } from '../../node/queue/model-key.js';
import { isFailed, ResultsStore, type ResultRecord } from '../../node/queue/results.js';
import { listRecordings } from '../../node/queue/sources.js';
import {
  doneCount,
  failedJobs,
  formatDuration,
  snapshot,
  type QueueSnapshot,
} from '../../node/queue/status.js';
import { resolveModelDir } from '../../node/model.js';
import { modelSource } from '../model-option.js';
import { csvField } from './predict.js';

interface CommonOptions {
  redis: string;
  prefix: string;
  model?: string;
}

/** --redis, --prefix and --model, shared by every queue command and the worker. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--redis <url>', 'Redis URL (redis://[user:password@]host:port[/db], rediss:// for TLS)')
        .env('EMOVOX_REDIS')
        .default(DEFAULT_REDIS_URL),
    )
    .option('--model <dir>', 'model bundle folder (default: models/default); each model has its own queue')
    .option('--prefix <name>', 'prefix of every Redis key Emovox writes', DEFAULT_PREFIX);
}

interface Session {
  model: QueueModel;
  redis: Redis;
  queue: Queue;
  store: ResultsStore;
  close(): Promise<void>;
}

async function open(opts: CommonOptions, role: 'cli' | 'watch' = 'cli'): Promise<Session> {
  const model = queueModel(resolveModelDir(modelSource(opts.model)));
  const redis = await connectRedis(opts.redis, role);
  const queue = openQueue(opts.redis, opts.prefix, model, 'cli');
  const store = new ResultsStore(redis, opts.prefix, model.key);
  return {
    model,
    redis,
    queue,
    store,
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

interface AddOptions extends CommonOptions {
  manifest: string[];
  timeline?: boolean;
}

async function add(paths: string[], opts: AddOptions): Promise<void> {
  if (paths.length === 0 && opts.manifest.length === 0) {
    throw new QueueError('NO_FILES', 'give folders or files to add, or --manifest FILE');
  }
  const s = await open(opts);
  try {
    const tty = Boolean(process.stderr.isTTY);
    const report = await addRecordings(s.queue, s.store, listRecordings(paths, opts.manifest), {
      model: s.model,
      timeline: Boolean(opts.timeline),
      onBatch: (r) => {
        if (tty) process.stderr.write(`\radded ${r.seen} recordings...`);
      },
    });
    if (tty) process.stderr.write('\n');
    for (const u of report.unreadable) process.stderr.write(`emovox: not added: ${u.source}: ${u.error}\n`);
    process.stdout.write(
      `queue ${queueName(s.model.key)}: ${report.seen} recordings listed; ${report.queued} queued, ` +
        `${report.requeued} were queued before, ${report.alreadyScored} already scored, ` +
        `${report.duplicates} same content as another file` +
        (report.unreadable.length ? `, ${report.unreadable.length} unreadable` : '') +
        '\n',
    );
    if (report.unreadable.length > 0) process.exitCode = 2;
  } finally {
    await s.close();
  }
}

function statusLines(s: QueueSnapshot): string {
  return (
    `  scored ${s.store.ok}  failed ${s.failed}  waiting ${s.waiting}  active ${s.active}` +
    `  retrying ${s.delayed}  (total ${s.total})\n` +
    `  rate ${s.ratePerSec === null ? '-' : s.ratePerSec.toFixed(2)} recordings/s, ETA ${formatDuration(s.etaSec)}\n`
  );
}

async function printFailed(queue: Queue, n: number, limit: number): Promise<void> {
  if (n === 0) return;
  const list = await failedJobs(queue, limit);
  process.stdout.write(`failed (${n}${n > list.length ? `, first ${list.length}` : ''}):\n`);
  for (const f of list) {
    process.stdout.write(`  ${f.reason.startsWith(f.file) ? f.reason : `${f.file}: ${f.reason}`}\n`);
  }
}

interface StatusOptions extends CommonOptions {
  watch?: boolean;
  interval: number;
  failedLimit: number;
}

/** --watch: a progress bar with the rate over the last ~30 s of polls and the ETA, until nothing is left. */
async function watch(s: Session, opts: StatusOptions): Promise<QueueSnapshot> {
  const bar = new SingleBar(
    {
      format:
        '[{bar}] {value}/{total} | {rate}/s | ETA {etaText} | waiting {waiting} active {active} failed {failed}',
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: opts.interval * 1000,
      etaBuffer: 1,
    },
    Presets.shades_classic,
  );
  const history: { t: number; done: number }[] = [];
  let snap = await snapshot(s.queue, s.store);
  bar.start(Math.max(1, snap.total), doneCount(snap), { rate: '-', etaText: '-', ...snap });
  for (;;) {
    const now = Date.now();
    history.push({ t: now, done: doneCount(snap) });
    while (history.length > 2 && now - history[0].t > 30_000) history.shift();
    const first = history[0];
    const rate = now > first.t ? ((doneCount(snap) - first.done) * 1000) / (now - first.t) : 0;
    bar.setTotal(Math.max(1, snap.total));
    bar.update(doneCount(snap), {
      ...snap,
      rate: history.length > 1 ? rate.toFixed(2) : '-',
      etaText: rate > 0 ? formatDuration(snap.remaining / rate) : '-',
    });
    if (snap.remaining === 0) break;
    await new Promise((r) => setTimeout(r, opts.interval * 1000));
    snap = await snapshot(s.queue, s.store);
  }
  bar.stop();
  return snap;
}

async function status(opts: StatusOptions): Promise<void> {
  const s = await open(opts, opts.watch ? 'watch' : 'cli');
  try {
    process.stdout.write(`queue ${queueName(s.model.key)} at ${opts.redis} (model ${s.model.dir})\n`);
    const snap = opts.watch ? await watch(s, opts) : await snapshot(s.queue, s.store);
    process.stdout.write(statusLines(snap));
    await printFailed(s.queue, snap.failed, opts.failedLimit);
  } finally {
    await s.close();
  }
}

/** CSV header: the fixed columns, one p_<label> per label, timeline columns, then error. */
export function csvHeader(labels: string[]): string[] {
  return [
    'file',
    'hash',
    'model',
    'label',
    'emoji',
    'confidence',
    ...labels.map((l) => `p_${l}`),
    'duration_sec',
    'speech_sec',
    'segments',
    ...labels.map((l) => `share_${l}`),
    'timeline',
    'error',
  ];
}

export function csvRow(r: ResultRecord, labels: string[]): string[] {
  const blank = labels.map(() => '');
  if (isFailed(r)) return [r.file, r.hash, r.model, '', '', '', ...blank, '', '', '', ...blank, '', r.error];
  return [
    r.file,
    r.hash,
    r.model,
    r.label,
    r.emoji,
    String(r.confidence),
    ...labels.map((l) => String(r.probabilities[l] ?? 0)),
    String(r.durationSec),
    String(r.speechSec),
    r.summary ? String(r.summary.segments) : '',
    ...labels.map((l) => (r.summary ? String(r.summary.shares[l] ?? 0) : '')),
    r.segments ? JSON.stringify(r.segments.map((g) => [g.startSec, g.endSec, g.label, g.confidence])) : '',
    '',
  ];
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

interface ResultsOptions extends CommonOptions {
  jsonl?: string;
  csv?: string;
}

async function results(opts: ResultsOptions): Promise<void> {
  if (Boolean(opts.jsonl) === Boolean(opts.csv)) {
    throw new QueueError('BAD_OPTIONS', 'give exactly one of --jsonl FILE or --csv FILE');
  }
  const s = await open(opts);
  const file = (opts.jsonl ?? opts.csv)!;
  const out = createWriteStream(file);
  let n = 0;
  let failed = 0;
  try {
    if (opts.csv) await write(out, csvHeader(s.model.labels).map(csvField).join(',') + '\n');
    for await (const r of s.store.records()) {
      n++;
      if (isFailed(r)) failed++;
      await write(
        out,
        (opts.jsonl ? JSON.stringify(r) : csvRow(r, s.model.labels).map(csvField).join(',')) + '\n',
      );
    }
  } finally {
    out.end();
    await once(out, 'close');
    await s.close();
  }
  process.stdout.write(
    `wrote ${n} recordings (${failed} failed) of queue ${queueName(s.model.key)} to ${file}\n`,
  );
}

/** commander parser for options that take a whole number >= 1. */
export function positiveInt(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new QueueError('BAD_OPTIONS', `${name} must be a whole number >= ${min}, got "${v}"`);
    return n;
  };
}

export function register(program: Command): void {
  const q = program
    .command('queue')
    .description('Score an archive on many machines: jobs on BullMQ over Redis (see also: emovox worker)');

  addCommonOptions(
    q
      .command('add')
      .description(
        'Queue recordings: folders are walked, --manifest files list one path or URL a line. One job per ' +
          'recording keyed by its content hash and the model, so adding the same archive again scores nothing twice',
      )
      .argument('[paths...]', 'audio files or folders (paths must be the same on every worker machine)'),
  )
    .option(
      '--manifest <file>',
      'a text file of recordings, one path or http(s) URL a line (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--timeline', 'long calls: an emotion per segment and a per-call summary, no length limit')
    .action(async (paths: string[], opts: AddOptions) => add(paths, opts));

  addCommonOptions(
    q
      .command('status')
      .description(
        'Waiting, active, scored and failed recordings, rate and ETA; failed ones with their reason',
      ),
  )
    .option('--watch', 'a progress bar with rate and ETA, refreshed until nothing is left to score')
    .option('--interval <sec>', 'seconds between refreshes with --watch', positiveInt('--interval'), 2)
    .option('--failed-limit <n>', 'failed recordings listed at most', positiveInt('--failed-limit'), 20)
    .action(async (opts: StatusOptions) => status(opts));

  addCommonOptions(
    q
      .command('results')
      .description(
        'Export every result (kept after the queue is emptied): one line per recording with file, content ' +
          'hash, model, label, emoji, confidence, probabilities, and with --timeline its segments and summary',
      ),
  )
    .option('--jsonl <file>', 'one JSON object per line')
    .option('--csv <file>', 'a CSV table (p_<label> columns, share_<label> per call with --timeline, error)')
    .action(async (opts: ResultsOptions) => results(opts));
}
