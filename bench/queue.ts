/**
 * npm run bench:queue -- [--clips 2000] [--model DIR] [--workers 1,2] [--cpu-prof DIR]
 * Throughput of the BullMQ queue on the same clips (3 s of synthetic voiced speech, 16 kHz WAV):
 *   peer:   `emovox predict --json DIR` in one process (clips/s between its first and last line,
 *           so model loading is excluded, as it is for the workers);
 *   queue:  `emovox worker --concurrency 1` x 1 and x 2 processes against one redis-server
 *           (append-only file, fsync every second, as recommended for production); jobs are added
 *           while the queue is paused, then the clock runs from resume to the last result.
 * Prints clips/s, the scaling ratio (target >= 1.8x on two cores), the Redis overhead per job
 * (one worker's time per job minus the peer's time per clip, and the processor's own split),
 * CPU seconds of every process, RSS of each worker over the run (flat = no leak), and the
 * load average (the machine is shared: compare CPU seconds when it is loaded).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    workers: { type: 'string', default: '1,2' },
    /** Write a V8 CPU profile of every worker process (main thread and scoring threads) to DIR. */
    'cpu-prof': { type: 'string' },
  },
});
const N = Number(values.clips);
const MODEL = queueModel(resolve(values.model ?? join(ROOT, 'models/default')));
const CLI = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
const TICKS = 100; // clock ticks per second in /proc/<pid>/stat (Linux default)

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

interface WorkerRun {
  rate: number;
  wallSec: number;
  cpu: number[];
  redisCpu: number;
  rss: number[][];
  stopLines: string[];
  /** CPU seconds of this bench process (polling the counts) during the run. */
  benchCpu: number;
}

function startWorker(url: string, prefix: string): Promise<{ proc: ChildProcess; stderr: () => string }> {
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

async function queueRun(dir: string, workers: number): Promise<WorkerRun> {
  const redis = await startRedis({ persistent: true, fsync: 'everysec' });
  const prefix = `bench${workers}`;
  const client = new Redis(redis.url);
  const queue = openQueue(redis.url, prefix, MODEL, 'cli');
  const store = new ResultsStore(client, prefix, MODEL.key);
  try {
    const procs = await Promise.all(Array.from({ length: workers }, () => startWorker(redis.url, prefix)));
    await queue.pause();
    const report = await addRecordings(queue, store, listRecordings([dir]), {
      model: MODEL,
      timeline: false,
    });
    if (report.queued !== N) throw new Error(`queued ${report.queued} of ${N}`);
    const cpu0 = procs.map((p) => cpuSec(p.proc.pid!));
    const redisCpu0 = cpuSec(redis.pid);
    const rss: number[][] = procs.map(() => []);
    const t0 = performance.now();
    const bench0 = process.cpuUsage();
    await queue.resume();
    let lastSample = 0;
    for (;;) {
      const c = await store.counts();
      const now = performance.now();
      if (now - lastSample > 1000) {
        procs.forEach((p, i) => rss[i].push(rssMb(p.proc.pid!)));
        lastSample = now;
      }
      if (c.ok + c.failed >= N) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const wallSec = (performance.now() - t0) / 1000;
    const benchUsage = process.cpuUsage(bench0);
    const benchCpu = (benchUsage.user + benchUsage.system) / 1e6;
    const cpu = procs.map((p, i) => cpuSec(p.proc.pid!) - cpu0[i]);
    const redisCpu = cpuSec(redis.pid) - redisCpu0;
    const stopLines: string[] = [];
    for (const p of procs) {
      const exited = new Promise((r) => p.proc.once('exit', r));
      p.proc.kill('SIGTERM');
      await exited;
      stopLines.push(
        p
          .stderr()
          .split('\n')
          .find((l) => l.includes('stopped:')) ?? '',
      );
    }
    const failed = (await store.counts()).failed;
    if (failed > 0) throw new Error(`${failed} clips failed`);
    return { rate: N / wallSec, wallSec, cpu, redisCpu, rss, stopLines, benchCpu };
  } finally {
    await queue.close();
    client.disconnect();
    await redis.stop();
  }
}

const dir = clipsDir();
console.log(
  `bench:queue: ${N} clips of 3 s, model ${MODEL.key}; machine: ${availableParallelism()} cores, load average ${load()} at start`,
);
const p = await peer(dir);
console.log(
  `peer  emovox predict, 1 process:   ${p.rate.toFixed(1)} clips/s (${p.perClipMs.toFixed(1)} ms/clip), ` +
    `${p.cpu.toFixed(1)} CPU s in all, ${p.cpuPerClipMs.toFixed(1)} CPU ms/clip without start-up; load ${load()}`,
);
const runs = new Map<number, WorkerRun>();
for (const w of values.workers.split(',').map(Number)) {
  const r = await queueRun(dir, w);
  runs.set(w, r);
  const cpu = r.cpu.reduce((a, b) => a + b, 0);
  console.log(
    `queue ${w} worker process${w > 1 ? 'es' : ''}:       ${r.rate.toFixed(1)} clips/s (${r.wallSec.toFixed(1)} s), ` +
      `workers ${r.cpu.map((c) => c.toFixed(1)).join(' + ')} CPU s (${((1000 * cpu) / N).toFixed(1)} ms/clip), ` +
      `redis-server ${r.redisCpu.toFixed(1)} CPU s (${((1000 * r.redisCpu) / N).toFixed(2)} ms/job), ` +
      `this bench ${r.benchCpu.toFixed(2)} CPU s; load ${load()}`,
  );
  r.rss.forEach((s, i) => {
    const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * (s.length - 1)))].toFixed(0);
    console.log(
      `      worker ${i + 1} RSS MB over the run: first ${q(0)}, 25% ${q(0.25)}, 50% ${q(0.5)}, 75% ${q(0.75)}, last ${q(1)}, max ${Math.max(...s).toFixed(0)}`,
    );
  });
  for (const l of r.stopLines) console.log(`      ${l.replace(/^emovox worker \d+: /, '')}`);
}
const one = runs.get(1);
const two = runs.get(2);
if (one) {
  const perJob = 1000 / one.rate;
  const cpuPerJob = (1000 * one.cpu[0]) / N;
  const redisPerJob = (1000 * one.redisCpu) / N;
  console.log(
    `redis overhead per job (1 worker vs peer): CPU ${(cpuPerJob - p.cpuPerClipMs).toFixed(1)} ms in the worker ` +
      `(${cpuPerJob.toFixed(1)} vs ${p.cpuPerClipMs.toFixed(1)} ms/clip) + ${redisPerJob.toFixed(2)} ms in redis-server; ` +
      `wall ${(perJob - p.perClipMs).toFixed(1)} ms (${perJob.toFixed(1)} vs ${p.perClipMs.toFixed(1)} ms/clip)`,
  );
}
if (one && two) {
  console.log(
    `scaling 1 -> 2 worker processes: ${(two.rate / one.rate).toFixed(2)}x in clips/s (target >= 1.8x on 2 idle cores); ` +
      `CPU s per clip ${((1000 * one.cpu[0]) / N).toFixed(1)} -> ${((1000 * two.cpu.reduce((a, b) => a + b, 0)) / N).toFixed(1)} ms`,
  );
}
console.log(`load average at the end: ${load()}`);
