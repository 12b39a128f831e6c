/**
 * npm run bench:queue -- [--clips 2000] [--model DIR] [--workers 1,2,2] [--batch 16,1] [--prefetch 1]
 *   [--cli dist|tsx] [--steady-from 0.25] [--worker-warm-up N] [--node-flags=--single-threaded-gc]
 *   [--cpu-prof DIR] [--skip-peer]
 * Throughput of the BullMQ queue on the same clips (3 s of synthetic voiced speech, 16 kHz WAV):
 *   peer:   `emovox predict --json DIR` in one process (clips/s between its first and last line,
 *           so model loading is excluded, as it is for the workers);
 *   queue:  `emovox worker --concurrency 1 --batch B --prefetch P` x 1 and x 2 processes against
 *           one redis-server (append-only file, fsync every second, as recommended for
 *           production), for each B of --batch and P of --prefetch; the workers are started
 *           and the jobs added while the queue is paused, then the clock runs from resume to the
 *           last result.
 * What the clock leaves out: a worker reports ready once its threads have loaded the model and
 * scored --warm-up synthetic clips each (default 64, ~0.5-1.5 s: V8 compiles the scoring code on
 * them instead of on the first jobs; printed as "ready: ... in X s"); a user sees that as start-up
 * time, not as throughput. --worker-warm-up 0 measures the old behaviour.
 * Each run is timed twice: "total" (resume -> last result) and "steady" (from the moment
 * --steady-from of the clips were done -> last result). With the warm-up the two should agree;
 * what still differs is the JIT of the job path in the main thread (BullMQ, ioredis, the
 * hand-over to the thread), which only real jobs exercise (~0.3-0.6 CPU s per process).
 * The CLI is the built one (dist/, what `npx emovox` runs) when it is up to date, else the
 * sources through tsx, said in the first line.
 * Prints clips/s, the scaling ratio (target >= 1.8x on two cores), CPU ms per clip and cores
 * kept busy (workers + redis-server), each worker's CPU by thread (/proc: main thread and its
 * kernel share, scoring thread, V8 background + libuv), redis-server's commands per clip (INFO
 * commandstats: calls and microseconds inside each), the Redis overhead per job (one worker's
 * main thread and redis-server), RSS of each worker over the run (flat = no leak), and the load
 * average (the machine may be shared: compare CPU ms per clip and cores busy when it is loaded).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { addRecordings, openQueue } from '../src/node/queue/jobs.js';
import { queueModel } from '../src/node/queue/model-key.js';
import { ResultsStore } from '../src/node/queue/results.js';
import { listRecordings } from '../src/node/queue/sources.js';
import { voicedSpeech } from '../test/helpers/speech-like.js';
import { encodeWav16 } from '../test/helpers/wav-file.js';
import { startRedis } from '../test/helpers/redis-server.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '2000' },
    model: { type: 'string' },
    workers: { type: 'string', default: '1,2,2' },
    /** Write a V8 CPU profile of every worker process (main thread and scoring threads) to DIR. */
    'cpu-prof': { type: 'string' },
    /** Extra node/V8 flags for the peer and every worker process, e.g. "--single-threaded-gc". */
    'node-flags': { type: 'string', default: '' },
    /**
     * dist: the built CLI (what `npx emovox` runs; must be newer than every source file);
     * tsx: the TypeScript sources through tsx, whose loader thread costs ~2 CPU ms a clip
     * (audio-decode resolves its format module by a dynamic import on every decode).
     * Default: dist when it is built and up to date, else tsx.
     */
    cli: { type: 'string' },
    /** Worker --prefetch values; the 1- and 2-process runs are made for each (and each --batch). */
    prefetch: { type: 'string', default: '1' },
    /** Worker --batch values (recordings handed to the scoring thread at once; 1: one by one). */
    batch: { type: 'string', default: '16,1' },
    /** Leave out the peer (quicker when comparing worker settings). */
    'skip-peer': { type: 'boolean', default: false },
    /** Share of the clips done before the steady state is timed (from there to the last one). */
    'steady-from': { type: 'string', default: '0.25' },
    /** Each worker's --warm-up (synthetic clips scored before it reports ready); default: the worker's. */
    'worker-warm-up': { type: 'string' },
  },
});
const N = Number(values.clips);
const MODEL = queueModel(resolve(values.model ?? join(ROOT, 'models/default')));
const NODE_FLAGS = values['node-flags'].split(/\s+/).filter(Boolean);
const BUILT = builtCli();
if (values.cli === 'dist' && BUILT.startsWith('!')) throw new Error(`--cli dist: ${BUILT.slice(1)}`);
if (values.cli !== undefined && values.cli !== 'dist' && values.cli !== 'tsx') {
  throw new RangeError(`--cli: expected dist or tsx, got ${values.cli}`);
}
const USE_DIST = values.cli === 'dist' || (values.cli === undefined && !BUILT.startsWith('!'));
const CLI = [...NODE_FLAGS, ...(USE_DIST ? [BUILT] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')])];
const BATCH = values.batch.split(',').map(Number);
if (BATCH.some((v) => !Number.isInteger(v) || v < 1)) {
  throw new RangeError(`--batch: expected whole numbers like 16,1, got ${values.batch}`);
}
const PREFETCH = values.prefetch.split(',').map(Number);
if (PREFETCH.some((v) => !Number.isInteger(v) || v < 0)) {
  throw new RangeError(`--prefetch: expected whole numbers like 1,0, got ${values.prefetch}`);
}
const WARM = Number(values['steady-from']);
if (!(WARM >= 0 && WARM < 1)) {
  throw new RangeError(`--steady-from must be in [0, 1), got ${values['steady-from']}`);
}
const TICKS = 100; // clock ticks per second in /proc/<pid>/stat (Linux default)

/** dist/cli/main.js if it is newer than every source file, else "!why not". */
function builtCli(): string {
  const main = join(ROOT, 'dist/cli/main.js');
  if (!existsSync(main)) return '!dist/cli/main.js is missing (npm run build)';
  const built = statSync(main).mtimeMs;
  const stale = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).find(
    (f) => f.endsWith('.ts') && statSync(join(ROOT, 'src', f)).mtimeMs > built,
  );
  return stale ? `!src/${stale} is newer than dist/ (npm run build)` : main;
}

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

/** N clips of 3 s, cached under bench/out/queue-clips-N. */
function clipsDir(): string {
  const dir = join(ROOT, `bench/out/queue-clips-${N}`);
  if (existsSync(join(dir, 'done'))) return dir;
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < N; i++) {
    const sub = join(dir, String(Math.floor(i / 500)));
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `clip${i}.wav`), encodeWav16(voicedSpeech(3, 110 + (i % 17) * 12, i + 1)));
  }
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

/** utime + stime of a live process, seconds. */
function cpuSec(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** utime + stime of every thread of a live process, seconds, by thread id (and stime alone). */
function threadCpu(pid: number): Map<number, { cpu: number; sys: number }> {
  const m = new Map<number, { cpu: number; sys: number }>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      const sys = Number(fields[12]) / TICKS;
      m.set(Number(t), { cpu: Number(fields[11]) / TICKS + sys, sys });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return m;
}

/**
 * A worker's CPU seconds between two thread samples, split into its main thread (BullMQ, the
 * results store, piscina), its scoring thread (the busiest other thread; the bench runs one per
 * process) and the rest (V8's background GC and compiler threads, libuv's pool).
 */
function threadSplit(
  pid: number,
  before: Map<number, { cpu: number; sys: number }>,
  after: Map<number, { cpu: number; sys: number }>,
) {
  const d = [...after].map(([t, c]) => ({
    t,
    c: c.cpu - (before.get(t)?.cpu ?? 0),
    s: c.sys - (before.get(t)?.sys ?? 0),
  }));
  const mainThread = d.find((x) => x.t === pid);
  const others = d.filter((x) => x.t !== pid).sort((a, b) => b.c - a.c);
  const scoring = others[0]?.c ?? 0;
  const rest = others.slice(1).reduce((a, x) => a + x.c, 0);
  return { main: mainThread?.c ?? 0, mainSys: mainThread?.s ?? 0, scoring, rest };
}

type ThreadSplit = ReturnType<typeof threadSplit>;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Runs `emovox predict --json` on `target`; rate between the first and the last result line,
 * CPU seconds of the whole process.
 */
async function predictRun(target: string, expected: number): Promise<{ rate: number; cpu: number }> {
  const p = spawn(
    '/usr/bin/time',
    ['-f', '%U %S', process.execPath, ...CLI, 'predict', '--json', '--model', MODEL.dir, target],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let lines = 0;
  let first = 0;
  let last = 0;
  let buf = '';
  p.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    const n = buf.split('\n').length - 1;
    if (n > 0) {
      if (lines === 0) first = performance.now();
      lines += n;
      last = performance.now();
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    }
  });
  let err = '';
  p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise((r) => p.once('exit', r));
  const [u, s] = err.trim().split('\n').pop()!.split(' ').map(Number);
  if (lines !== expected) throw new Error(`predict printed ${lines} lines, expected ${expected}: ${err}`);
  return { rate: (lines - 1) / ((last - first) / 1000), cpu: u + s };
}

/** The peer: predict on every clip, and on one clip to take its start-up CPU out of the per-clip figure. */
async function peer(
  dir: string,
): Promise<{ rate: number; cpu: number; perClipMs: number; cpuPerClipMs: number }> {
  const one = await predictRun(join(dir, '0', 'clip0.wav'), 1);
  const all = await predictRun(dir, N);
  return { ...all, perClipMs: 1000 / all.rate, cpuPerClipMs: (1000 * (all.cpu - one.cpu)) / (N - 1) };
}

/** One stretch of a queue run: clips done, wall seconds, CPU seconds. */
interface Stretch {
  clips: number;
  wallSec: number;
  /** CPU seconds of each worker process. */
  cpu: number[];
  redisCpu: number;
}

interface WorkerRun {
  workers: number;
  /** From resume to the last result. */
  total: Stretch;
  /** From the moment WARM of the clips were done to the last result (JIT warm, both workers busy). */
  steady: Stretch;
  /** CPU seconds per worker by thread, over the whole run and over the steady state. */
  threads: ThreadSplit[];
  steadyThreads: ThreadSplit[];
  rss: number[][];
  stopLines: string[];
  /** CPU seconds of this bench process (polling the counts) during the run. */
  benchCpu: number;
  /** redis-server's INFO commandstats over the run (reset at resume): calls and time in each command. */
  commands: { name: string; calls: number; usec: number }[];
}

/** `INFO commandstats` lines `cmdstat_NAME:calls=C,usec=U,...` -> the busiest commands first. */
function parseCommandStats(info: string): { name: string; calls: number; usec: number }[] {
  return [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)]
    .map((m) => ({ name: m[1], calls: Number(m[2]), usec: Number(m[3]) }))
    .sort((a, b) => b.usec - a.usec);
}

function startWorker(
  url: string,
  prefix: string,
  prefetch: number,
  batch: number,
): Promise<{ proc: ChildProcess; stderr: () => string }> {
  const proc = spawn(
    process.execPath,
    [
      ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'])}`] : []),
      ...CLI,
      'worker',
      '--redis',
      url,
      '--prefix',
      prefix,
      '--model',
      MODEL.dir,
      '--concurrency',
      '1',
      '--prefetch',
      String(prefetch),
      '--batch',
      String(batch),
      ...(values['worker-warm-up'] === undefined ? [] : ['--warm-up', values['worker-warm-up']]),
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  return new Promise((res, rej) => {
    proc.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('ready:')) res({ proc, stderr: () => err });
    });
    proc.once('exit', (c) => rej(new Error(`worker exited (${c}): ${err}`)));
  });
}

async function queueRun(
  dir: string,
  workers: number,
  prefetch: number,
  batch: number,
  run: string,
): Promise<WorkerRun> {
  const redis = await startRedis({ persistent: true, fsync: 'everysec' });
  const prefix = `bench${run}`;
  const client = new Redis(redis.url);
  const queue = openQueue(redis.url, prefix, MODEL, 'cli');
  const store = new ResultsStore(client, prefix, MODEL.key);
  try {
    const procs = await Promise.all(
      Array.from({ length: workers }, () => startWorker(redis.url, prefix, prefetch, batch)),
    );
    await queue.pause();
    const report = await addRecordings(queue, store, listRecordings([dir]), {
      model: MODEL,
      timeline: false,
    });
    if (report.queued !== N) throw new Error(`queued ${report.queued} of ${N}`);
    const sample = (t0: number, clips: number) => ({
      clips,
      wallSec: (performance.now() - t0) / 1000,
      cpu: procs.map((p) => cpuSec(p.proc.pid!)),
      redisCpu: cpuSec(redis.pid),
    });
    const threads0 = procs.map((p) => threadCpu(p.proc.pid!));
    const rss: number[][] = procs.map(() => []);
    const t0 = performance.now();
    const start = sample(t0, 0);
    const bench0 = process.cpuUsage();
    await client.config('RESETSTAT');
    await queue.resume();
    let warm: Stretch | null = WARM === 0 ? start : null;
    let threadsWarm = threads0;
    let lastRss = 0;
    let end: Stretch;
    for (;;) {
      // The counts alone each time (one HGETALL); CPU from /proc only where a stretch starts or ends.
      const c = await store.counts();
      const clips = c.ok + c.failed;
      const wallSec = (performance.now() - t0) / 1000;
      if (!warm && clips >= WARM * N) {
        warm = sample(t0, clips);
        threadsWarm = procs.map((p) => threadCpu(p.proc.pid!));
      }
      if (wallSec - lastRss >= 1) {
        procs.forEach((p, i) => rss[i].push(rssMb(p.proc.pid!)));
        lastRss = wallSec;
      }
      if (clips >= N) {
        end = sample(t0, clips);
        break;
      }
      // Every 100 ms, but every 5 ms once the end is expected within 0.3 s, so the end is seen
      // within 5 ms of the last result (not up to 100 ms late: ~1 % of a 2-process run of 2000
      // clips, which biased the scaling ratio down and made it noisier).
      const near = clips > 0 && ((N - clips) * wallSec) / clips < 0.3;
      await new Promise((r) => setTimeout(r, near ? 5 : 100));
    }
    const benchUsage = process.cpuUsage(bench0);
    const commands = parseCommandStats(await client.info('commandstats'));
    const threadsEnd = procs.map((p) => threadCpu(p.proc.pid!));
    const threads = procs.map((p, i) => threadSplit(p.proc.pid!, threads0[i], threadsEnd[i]));
    const steadyThreads = procs.map((p, i) => threadSplit(p.proc.pid!, threadsWarm[i], threadsEnd[i]));
    const minus = (a: Stretch, b: Stretch): Stretch => ({
      clips: a.clips - b.clips,
      wallSec: a.wallSec - b.wallSec,
      cpu: a.cpu.map((c, i) => c - b.cpu[i]),
      redisCpu: a.redisCpu - b.redisCpu,
    });
    const stopLines: string[] = [];
    for (const p of procs) {
      const exited = new Promise((r) => p.proc.once('exit', r));
      p.proc.kill('SIGTERM');
      await exited;
      // "ready: ...; model loaded and warmed up ... in X s" and "stopped: scored N, ...".
      for (const l of p.stderr().split('\n')) {
        if (l.includes('model loaded')) stopLines.push(`ready: ${l.slice(l.indexOf('model loaded'))}`);
        if (l.includes('stopped:')) stopLines.push(l);
      }
    }
    const failed = (await store.counts()).failed;
    if (failed > 0) throw new Error(`${failed} clips failed`);
    return {
      workers,
      total: minus(end, start),
      steady: minus(end, warm!),
      threads,
      steadyThreads,
      rss,
      stopLines,
      benchCpu: (benchUsage.user + benchUsage.system) / 1e6,
      commands,
    };
  } finally {
    await queue.close();
    client.disconnect();
    await redis.stop();
  }
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
const rate = (s: Stretch) => s.clips / s.wallSec;
/** Workers' CPU ms per clip over a stretch. */
const cpuMs = (s: Stretch) => (1000 * sum(s.cpu)) / s.clips;
/** Cores kept busy by the workers and redis-server over a stretch. */
const cores = (s: Stretch) => (sum(s.cpu) + s.redisCpu) / s.wallSec;
const describe = (s: Stretch) =>
  `${rate(s).toFixed(1)} clips/s (${s.clips} in ${s.wallSec.toFixed(1)} s), ${cpuMs(s).toFixed(2)} CPU ms/clip ` +
  `in the workers + ${((1000 * s.redisCpu) / s.clips).toFixed(2)} in redis-server, ${cores(s).toFixed(2)} cores busy`;

const dir = clipsDir();
console.log(
  `bench:queue: ${N} clips of 3 s, model ${MODEL.key}; machine: ${availableParallelism()} cores, load average ${load()} at start` +
    `; CLI ${USE_DIST ? 'dist/cli/main.js (built)' : `src/cli/main.ts through tsx${values.cli ? '' : ` (${BUILT.slice(1)})`}`}` +
    (NODE_FLAGS.length ? `; node flags ${NODE_FLAGS.join(' ')}` : ''),
);
const p = values['skip-peer'] ? null : await peer(dir);
if (p) {
  console.log(
    `peer  emovox predict, 1 process:   ${p.rate.toFixed(1)} clips/s (${p.perClipMs.toFixed(1)} ms/clip), ` +
      `${p.cpu.toFixed(1)} CPU s in all, ${p.cpuPerClipMs.toFixed(1)} CPU ms/clip without start-up; load ${load()}`,
  );
}
console.log(
  `queue runs (one scoring thread per worker process): "total" runs from releasing the queued jobs to the last ` +
    `result; "steady" from the moment ${(100 * WARM).toFixed(0)} % of the clips were done (JIT warm) to the last result`,
);
const COUNTS = values.workers.split(',').map(Number);
if (COUNTS.some((w) => !Number.isInteger(w) || w < 1)) {
  throw new RangeError(`--workers: expected counts like 1,2,2, got ${values.workers}`);
}
for (const [batch, prefetch] of BATCH.flatMap((b) => PREFETCH.map((p) => [b, p] as const))) {
  console.log(
    `--- emovox worker --concurrency 1 --batch ${batch} --prefetch ${prefetch}: ${
      batch === 1 ? 'one recording' : `up to ${batch} recordings`
    } handed to the scoring thread at once, ${
      prefetch === 0
        ? 'no more held (the thread waits for the Redis round trips between hand-overs)'
        : `${prefetch} more batch(es) held (its thread starts the next at once)`
    }`,
  );
  const runs: WorkerRun[] = [];
  for (const [i, w] of COUNTS.entries()) {
    const r = await queueRun(dir, w, prefetch, batch, `${batch}-${prefetch}-${i}`);
    runs.push(r);
    console.log(
      `queue ${w} worker process${w > 1 ? 'es' : ''}, load ${load()}, this bench ${r.benchCpu.toFixed(2)} CPU s:`,
    );
    console.log(`      total:  ${describe(r.total)}`);
    console.log(`      steady: ${describe(r.steady)}`);
    for (const [kind, split, clips] of [
      ['total', r.threads, r.total.clips],
      ['steady', r.steadyThreads, r.steady.clips],
    ] as const) {
      const per = (f: (t: ThreadSplit) => number) => ((1000 * sum(split.map(f))) / clips).toFixed(2);
      console.log(
        `      ${kind} CPU ms per clip by thread (all workers): scoring ${per((t) => t.scoring)}, ` +
          `main ${per((t) => t.main)} (${per((t) => t.mainSys)} of it in the kernel), ` +
          `V8 background + libuv ${per((t) => t.rest)}`,
      );
    }
    const busiest = r.commands.slice(0, 8);
    console.log(
      `      redis-server commands per clip (calls, us inside the command): ${busiest
        .map(
          (c) => `${c.name} ${(c.calls / r.total.clips).toFixed(2)} (${(c.usec / r.total.clips).toFixed(0)})`,
        )
        .join(', ')}; all ${(sum(r.commands.map((c) => c.usec)) / r.total.clips).toFixed(0)} us of ` +
        `${((1e6 * r.total.redisCpu) / r.total.clips).toFixed(0)} us CPU (the rest: network I/O, append-only file)`,
    );
    r.rss.forEach((s, k) => {
      const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * (s.length - 1)))].toFixed(0);
      console.log(
        `      worker ${k + 1} RSS MB over the run: first ${q(0)}, 25% ${q(0.25)}, 50% ${q(0.5)}, 75% ${q(0.75)}, last ${q(1)}, max ${Math.max(...s).toFixed(0)}`,
      );
    });
    for (const l of r.stopLines) console.log(`      ${l.replace(/^emovox worker \d+: /, '')}`);
  }
  const one = runs.find((r) => r.workers === 1);
  const twos = runs.filter((r) => r.workers === 2);
  if (one) {
    // The queue's own cost per job, measured directly: the worker's main thread (BullMQ's two
    // Lua calls, the result write, handing the job to the scoring thread and back) and
    // redis-server, in the steady state.
    const main = (1000 * sum(one.steadyThreads.map((t) => t.main))) / one.steady.clips;
    const redisMs = (1000 * one.steady.redisCpu) / one.steady.clips;
    const scoring = (1000 * sum(one.steadyThreads.map((t) => t.scoring))) / one.steady.clips;
    console.log(
      `redis overhead per job (1 worker, steady): ${main.toFixed(2)} CPU ms in the worker's main thread + ` +
        `${redisMs.toFixed(2)} in redis-server, beside ${scoring.toFixed(2)} in its scoring thread` +
        (p
          ? `; whole run: ${cpuMs(one.total).toFixed(1)} CPU ms/clip in the worker vs ${p.cpuPerClipMs.toFixed(1)} in the peer`
          : ''),
    );
  }
  if (one && twos.length > 0) {
    for (const kind of ['steady', 'total'] as const) {
      const ratios = twos.map((t) => rate(t[kind]) / rate(one[kind]));
      console.log(
        `scaling 1 -> 2 worker processes (batch ${batch}, prefetch ${prefetch}), ${kind}: ${ratios.map((x) => `${x.toFixed(2)}x`).join(', ')} ` +
          `in clips/s (${rate(one[kind]).toFixed(1)} -> ${twos.map((t) => rate(t[kind]).toFixed(1)).join(', ')}; ` +
          `target >= 1.8x on 2 idle cores); CPU ms per clip ${cpuMs(one[kind]).toFixed(2)} -> ` +
          `${twos.map((t) => cpuMs(t[kind]).toFixed(2)).join(', ')}; cores busy ${cores(one[kind]).toFixed(2)} -> ` +
          `${twos.map((t) => cores(t[kind]).toFixed(2)).join(', ')}`,
      );
    }
  }
}
console.log(`load average at the end: ${load()}`);
