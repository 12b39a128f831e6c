/**
 * Training-speed benchmark (`npm run bench:train`): seconds per training epoch on one EMO-DB
 * leave-one-speaker-out training fold (speaker 03 held out: 486 clips), random 3 s crops,
 * batch 32, Adam 1e-3, for cnn2d-lstm and cnn1d-lstm on the tfjs wasm backend (one thread,
 * the project's kernels), against the same networks in PyTorch on one thread
 * (bench/reference/train_torch.py), in the same run. Each run is its own process, so each
 * peak RSS is its own. Target: tfjs <= 3x PyTorch's time per epoch, peak memory < 2 GB.
 *
 * Epochs are timed in wall seconds and in process CPU seconds; the ratio uses CPU seconds,
 * which stay comparable when other work shares the machine (wall time is printed too).
 *
 * `--config` overrides the networks' sizes (ModelConfig JSON, given to both sides), or `small`
 * for the small cnn2d-lstm that models/default and the LOSO runs use:
 *
 *   npm run bench:train -- --epochs 2 --warmup 1 [--models cnn2d-lstm] [--batch 32] [--no-reference]
 *   npm run bench:train -- --models cnn2d-lstm --config small --batch 16
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

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
    'no-reference': { type: 'boolean', default: false },
  },
});

interface RunResult {
  model: string;
  backend: string;
  clips: number;
  params: number;
  epochSeconds: number[];
  epochCpuSeconds: number[];
  loss: number[];
  peakRssMb: number;
  flopsPerSecondOfAudio?: number;
}

type Outcome = { ok: true; result: RunResult } | { ok: false; error: string };

/** Runs a command, relays its stderr (long lines cut), parses the last stdout line as JSON. */
function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((done) => {
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
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
const rows: { model: string; tfjs: Outcome; torch: Outcome | null }[] = [];
for (const model of args.models.split(',')) {
  process.stderr.write(`${model}: tfjs (${args.backend})\n`);
  const tfjs = await run(process.execPath, [
    '--import',
    'tsx',
    join(here, 'train-worker.ts'),
    '--model',
    model,
    '--backend',
    args.backend,
    ...common,
  ]);
  let torch: Outcome | null = null;
  if (!args['no-reference']) {
    process.stderr.write(`${model}: PyTorch reference\n`);
    torch = await run(
      args.python,
      [join(here, 'reference/train_torch.py'), '--model', model, ...common, '--threads', '1'],
      {
        OMP_NUM_THREADS: '1',
        MKL_NUM_THREADS: '1',
      },
    );
  }
  rows.push({ model, tfjs, torch });
}

const fmt = (x: number) => x.toFixed(1);
const cell = (o: Outcome | null) =>
  o === null
    ? 'not run'
    : o.ok
      ? `${fmt(median(o.result.epochCpuSeconds))} cpu-s (${fmt(median(o.result.epochSeconds))} wall-s), ${Math.round(o.result.peakRssMb)} MB`
      : `FAILED (${o.error})`;
console.log(
  `\nTraining speed, EMO-DB fold without speaker ${args.holdout}, batch ${args.batch}${config === '{}' ? '' : `, config ${config}`}, median of ${args.epochs} epoch(s) after ${args.warmup} warm-up` +
    (args.clips !== '0' ? `, each timed on ${args.clips} clips and scaled to the whole fold:` : ':'),
);
for (const { model, tfjs, torch } of rows) {
  console.log(`\n${model}`);
  if (tfjs.ok) {
    const r = tfjs.result;
    console.log(
      `  model: ${r.params} params, ${((r.flopsPerSecondOfAudio ?? 0) / 1e6).toFixed(1)} MFLOP per second of audio (forward), ${r.clips} clips`,
    );
  }
  console.log(`  tfjs ${tfjs.ok ? tfjs.result.backend : args.backend}: ${cell(tfjs)}`);
  console.log(`  ${torch?.ok ? torch.result.backend : 'pytorch'}: ${cell(torch)}`);
  if (tfjs.ok && torch?.ok) {
    const ratio = median(tfjs.result.epochCpuSeconds) / median(torch.result.epochCpuSeconds);
    const memOk = tfjs.result.peakRssMb < 2048;
    console.log(
      `  ratio tfjs/PyTorch (CPU s per epoch): ${ratio.toFixed(2)}x  [target <= 3x: ${ratio <= 3 ? 'met' : 'NOT met'}; peak RSS < 2 GB: ${memOk ? 'met' : 'NOT met'}]`,
    );
  }
}

const outDir = join(here, 'out');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `train-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ args, config, rows }, null, 2));
console.log(`\nraw results: ${file}`);
