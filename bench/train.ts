/**
 * Training-speed benchmark (`npm run bench:train`): seconds per training epoch on one EMO-DB
 * leave-one-speaker-out training fold (speaker 03 held out: 486 clips), random 3 s crops,
 * batch 32, Adam 1e-3, for cnn2d-lstm and cnn1d-lstm on the tfjs wasm backend (one thread,
 * the project's kernels), against the same networks in PyTorch on one thread
 * (bench/reference/train_torch.py), in the same run. Each run is its own process, so each
 * peak RSS is its own. Target (issue 10): tfjs <= 1.0x PyTorch's CPU time per epoch, peak
 * memory < 2 GB.
 *
 * Fairness: PyTorch runs with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (transparent huge pages for
 * malloc; without it PyTorch's large tensors are page-faulted in on every step, which made it
 * look 1.6x slower on an idle machine and several times slower under load); `--no-hugetlb`
 * turns that off to measure the difference. Each one-thread run must use one core: CPU seconds
 * close to wall seconds; the bench warns when CPU/wall is off (more than one thread, or a
 * machine too loaded to give it a whole core) and prints the load average before each run.
 *
 * Two-core rows (`--two-core`, on by default): Emovox with `--threads 2` (data-parallel
 * training over two worker threads, src/node/parallel) against PyTorch with
 * torch.set_num_threads(2); each side's wall-time speed-up over its own one-thread run. Wall
 * speed-ups only mean something on an otherwise idle machine; for a loaded one, the two-core
 * rows also print where each Emovox worker's time went (thread CPU of gradients and optimiser,
 * waits at the barrier and for batches, run-queue time: src/node/parallel's ParallelTiming) and
 * the one-thread CPU over the critical path's CPU (slowest gradient + optimiser + all-reduce).
 *
 * Epochs are timed in wall seconds and in process CPU seconds (all threads); the ratio uses
 * CPU seconds, which stay comparable when other work shares the machine.
 *
 * `--config` overrides the networks' sizes (ModelConfig JSON, given to both sides), or `small`
 * for the small cnn2d-lstm that models/default and the LOSO runs use:
 *
 *   npm run bench:train -- --epochs 2 --warmup 1 [--models cnn2d-lstm] [--batch 32] [--no-reference] [--no-two-core]
 *   npm run bench:train -- --models cnn2d-lstm --config small --batch 16
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ParallelTiming } from '../src/node/parallel/data-parallel.js';
import { median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Named --config values. */
const CONFIGS: Record<string, string> = {
  small: JSON.stringify({ filters: [16, 16, 32, 32], lstmUnits: 32 }),
};
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'cnn2d-lstm,cnn1d-lstm' },
    data: { type: 'string', default: resolve(here, '../../shared/datasets/emodb') },
    holdout: { type: 'string', default: '03' },
    epochs: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    batch: { type: 'string', default: '32' },
    backend: { type: 'string', default: 'wasm' },
    python: { type: 'string', default: '/usr/bin/python3' },
    /** Time this many clips per epoch and scale to the whole fold (0 = the whole fold). */
    clips: { type: 'string', default: '0' },
    config: { type: 'string', default: '{}' },
    /** --no-reference: Emovox only. (Options are named positively: with allowNegative, parseArgs reads --no-X as X = false.) */
    reference: { type: 'boolean', default: true },
    /** Run PyTorch without GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (to see what it costs). */
    hugetlb: { type: 'boolean', default: true },
    /** Also run both sides on two threads (Emovox data-parallel, PyTorch set_num_threads(2)). */
    'two-core': { type: 'boolean', default: true },
  },
  allowNegative: true,
});

/** PyTorch's allocator setting: huge pages for malloc, so big tensors do not page-fault per step. */
const TORCH_MALLOC = !args.hugetlb ? {} : { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
const cores = availableParallelism();
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface RunResult {
  model: string;
  threads?: number;
  backend: string;
  clips: number;
  params: number;
  epochSeconds: number[];
  epochCpuSeconds: number[];
  loss: number[];
  peakRssMb: number;
  flopsPerSecondOfAudio?: number;
  /** Data-parallel runs: bench/train-worker.ts's per-epoch ParallelTiming (ms, scaled to the fold). */
  parallelEpochs?: ParallelTiming[];
  /** CPU s per epoch of the process's main thread (the rest: workers, V8's helper threads). */
  mainThreadCpuSeconds?: number[];
}

type Outcome = ({ ok: true; result: RunResult } | { ok: false; error: string }) & {
  threads: number;
  /** 1-minute load average when the run started and ended. */
  loadBefore: number;
  loadAfter: number;
};

/** Runs a command, relays its stderr (long lines cut), parses the last stdout line as JSON. */
function run(cmd: string, argv: string[], threads: number, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const loadBefore = loadavg()[0];
  process.stderr.write(`  load average ${load()}\n`);
  return new Promise((resolveRun) => {
    const done = (o: { ok: true; result: RunResult } | { ok: false; error: string }) =>
      resolveRun({ ...o, threads, loadBefore, loadAfter: loadavg()[0] });
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let lastErr = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        const l = line.trim();
        if (l === '') continue;
        const short = l.length > 200 ? `${l.slice(0, 200)}...` : l;
        if (/error|abort/i.test(l)) lastErr = short;
        process.stderr.write(`  | ${short}\n`);
      }
    });
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) done({ ok: true, result: JSON.parse(last) as RunResult });
      else done({ ok: false, error: `exit ${code}${lastErr ? `: ${lastErr}` : ''}` });
    });
  });
}

const config = CONFIGS[args.config] ?? args.config;
try {
  JSON.parse(config);
} catch {
  console.error(
    `--config must be JSON (model config overrides) or one of: ${Object.keys(CONFIGS).join(', ')}`,
  );
  process.exit(2);
}
const common = [
  '--config',
  config,
  '--data',
  args.data,
  '--holdout',
  args.holdout,
  '--epochs',
  args.epochs,
  '--warmup',
  args.warmup,
  '--batch',
  args.batch,
  '--clips',
  args.clips,
];
const threadCounts = args['two-core'] ? [1, 2] : [1];
const runTfjs = (model: string, threads: number) => {
  process.stderr.write(`${model}: tfjs (${args.backend}), ${threads} thread(s)\n`);
  return run(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'train-worker.ts'),
      '--model',
      model,
      '--backend',
      args.backend,
      '--threads',
      String(threads),
      ...common,
    ],
    threads,
  );
};
const runTorch = (model: string, threads: number) => {
  process.stderr.write(
    `${model}: PyTorch reference, ${threads} thread(s)${!args.hugetlb ? '' : ', GLIBC_TUNABLES=glibc.malloc.hugetlb=1'}\n`,
  );
  const n = String(threads);
  return run(
    args.python,
    [join(here, 'reference/train_torch.py'), '--model', model, ...common, '--threads', n],
    threads,
    { OMP_NUM_THREADS: n, MKL_NUM_THREADS: n, ...TORCH_MALLOC },
  );
};
const rows: { model: string; tfjs: Outcome[]; torch: Outcome[] }[] = [];
for (const model of args.models.split(',')) {
  const row = { model, tfjs: [] as Outcome[], torch: [] as Outcome[] };
  for (const threads of threadCounts) {
    row.tfjs.push(await runTfjs(model, threads));
    if (args.reference) row.torch.push(await runTorch(model, threads));
  }
  rows.push(row);
}

const fmt = (x: number) => x.toFixed(1);
const cpuS = (r: RunResult) => median(r.epochCpuSeconds);
const wallS = (r: RunResult) => median(r.epochSeconds);
const cell = (o: Outcome | undefined) =>
  o === undefined
    ? 'not run'
    : o.ok
      ? `${fmt(cpuS(o.result))} cpu-s (${fmt(wallS(o.result))} wall-s), ${Math.round(o.result.peakRssMb)} MB, load ${o.loadBefore.toFixed(1)} -> ${o.loadAfter.toFixed(1)}`
      : `FAILED (${o.error})`;
const warnings: string[] = [];
/** CPU/wall of a run against its thread count: one thread must keep one core busy, no more. */
function threadCheck(side: string, model: string, o: Outcome | undefined): string {
  if (o === undefined || !o.ok) return '';
  const use = cpuS(o.result) / wallS(o.result);
  const text = `CPU/wall ${use.toFixed(2)} on ${o.threads} thread(s)`;
  if (use > o.threads * 1.1) {
    warnings.push(
      `${model} ${side}: CPU/wall ${use.toFixed(2)} > ${o.threads}: it used more threads than asked`,
    );
  } else if (use < o.threads * 0.85) {
    warnings.push(
      `${model} ${side} (${o.threads} thread(s)): CPU/wall ${use.toFixed(2)}: it did not get ${o.threads === 1 ? 'a whole core' : `${o.threads} whole cores`} (machine loaded), so its wall time is not comparable`,
    );
  }
  return ` [${text}]`;
}
const loads = rows.flatMap((r) => [...r.tfjs, ...r.torch]).flatMap((o) => [o.loadBefore, o.loadAfter]);
const maxLoad = Math.max(...loads, loadavg()[0]);
console.log(
  `\nTraining speed, EMO-DB fold without speaker ${args.holdout}, batch ${args.batch}${config === '{}' ? '' : `, config ${config}`}, median of ${args.epochs} epoch(s) after ${args.warmup} warm-up` +
    (args.clips !== '0' ? `, each timed on ${args.clips} clips and scaled to the whole fold:` : ':'),
);
console.log(
  `PyTorch ran with ${!args.hugetlb ? 'the default glibc malloc (no GLIBC_TUNABLES)' : 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1'}, OMP_NUM_THREADS = MKL_NUM_THREADS = its thread count. ` +
    `${cores} cores; 1-minute load average ${Math.min(...loads, loadavg()[0]).toFixed(1)} to ${maxLoad.toFixed(1)} during the runs (now ${load()}).`,
);
for (const { model, tfjs, torch } of rows) {
  console.log(`\n${model}`);
  const first = tfjs.find((o) => o.ok);
  if (first?.ok) {
    const r = first.result;
    console.log(
      `  model: ${r.params} params, ${((r.flopsPerSecondOfAudio ?? 0) / 1e6).toFixed(1)} MFLOP per second of audio (forward), ${r.clips} clips`,
    );
  }
  threadCounts.forEach((threads, i) => {
    const t = tfjs[i];
    const p = torch[i] as Outcome | undefined;
    console.log(`  ${threads} thread(s):`);
    console.log(
      `    tfjs ${t.ok ? t.result.backend : args.backend}: ${cell(t)}${threadCheck('tfjs', model, t)}`,
    );
    if (args.reference) {
      console.log(
        `    ${p?.ok ? p.result.backend : 'pytorch'}: ${cell(p)}${threadCheck('PyTorch', model, p)}`,
      );
    }
    if (t.ok && p?.ok) {
      const ratio = cpuS(t.result) / cpuS(p.result);
      const memOk = t.result.peakRssMb < 2048;
      console.log(
        `    ratio tfjs/PyTorch (CPU s per epoch): ${ratio.toFixed(2)}x  [` +
          (threads === 1
            ? `target <= 1.0x: ${ratio <= 1 ? 'met' : 'NOT met'}`
            : 'the target is for one thread; with more, spinning threads count too') +
          `; peak RSS < 2 GB: ${memOk ? 'met' : 'NOT met'}]`,
      );
    }
    if (i > 0) {
      const speedUp = (side: Outcome[]) =>
        side[0]?.ok && side[i]?.ok ? (wallS(side[0].result) / wallS(side[i].result)).toFixed(2) + 'x' : 'n/a';
      console.log(
        `    wall speed-up over 1 thread: tfjs ${speedUp(tfjs)} [target >= 1.8x], PyTorch ${!args.reference ? 'not run' : speedUp(torch)}`,
      );
      const pe = t.ok ? t.result.parallelEpochs : undefined;
      if (t.ok && pe && pe.length > 0 && tfjs[0]?.ok) {
        const s = (f: (e: ParallelTiming) => number) => median(pe.map(f)) / 1000;
        pe[0].workers.forEach((_, k) => {
          const w = (key: keyof ParallelTiming['workers'][number]) => fmt(s((e) => e.workers[k][key]));
          console.log(
            `    tfjs worker ${k + 1} (s per epoch): gradient CPU ${w('gradCpuMs')}, optimiser CPU ${w('applyCpuMs')}, ` +
              `waiting at the barrier ${w('barrierMs')} (idle after its gradient until the update: ${w('idleAfterGradMs')}), ` +
              `idle waiting for the next batch ${w('idleAfterApplyMs')}, runnable but without a core ${w('queuedMs')}; ` +
              `all its thread CPU ${w('threadCpuMs')}`,
          );
        });
        const r = t.result;
        const workersCpu = s((e) => e.workers.reduce((a, w) => a + w.threadCpuMs, 0));
        const mainCpu = r.mainThreadCpuSeconds ? median(r.mainThreadCpuSeconds) : NaN;
        console.log(
          `    tfjs process CPU per epoch ${fmt(cpuS(r))} s = workers ${fmt(workersCpu)} + main thread ${fmt(mainCpu)} + other threads (V8 GC/compiler) ${fmt(cpuS(r) - workersCpu - mainCpu)}; ` +
            `two cores bound the wall speed-up by 2 x 1-thread CPU / 2-thread CPU = ${((2 * cpuS(tfjs[0].result)) / cpuS(r)).toFixed(2)}x`,
        );
        const apply = s((e) => Math.max(...e.workers.map((w) => w.applyCpuMs)));
        const critical = s((e) => e.slowestGradCpuMs) + apply + s((e) => e.reduceCpuMs);
        console.log(
          `    tfjs critical path (CPU s per epoch): slowest gradient ${fmt(s((e) => e.slowestGradCpuMs))} + optimiser ${fmt(apply)} + ` +
            `all-reduce on the main thread ${s((e) => e.reduceCpuMs).toFixed(2)} = ${fmt(critical)}; ` +
            `1-thread CPU / critical path = ${(cpuS(tfjs[0].result) / critical).toFixed(2)}x ` +
            `(the two-core wall speed-up an idle machine would give if messages and data cost nothing)`,
        );
      }
    }
  });
}
if (maxLoad > cores - 0.5) {
  warnings.push(
    `the load average reached ${maxLoad.toFixed(1)} on ${cores} cores: other work shared the machine, so wall times and speed-ups are not idle-machine figures (CPU seconds remain comparable, up to cache and frequency effects)`,
  );
}
for (const w of warnings) console.log(`WARNING: ${w}`);

const outDir = join(here, 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `train-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  JSON.stringify({ args, config, cores, torchMalloc: TORCH_MALLOC, rows, warnings }, null, 2),
);
console.log(`\nraw results: ${file}`);
