/**
 * One model's training-speed run for bench/train.ts (run in its own process so that its
 * peak RSS is its own): EMO-DB training fold -> inputs -> `epochs` timed epochs of model.fit
 * (or, with `--threads N` > 1, of data-parallel Adam steps over N worker threads,
 * src/node/parallel) after `warmup` untimed ones. Prints one JSON line on stdout. Each epoch is timed in wall
 * seconds and in CPU seconds of this process (user + system), which stays meaningful when
 * the machine is shared.
 *
 *   node --import tsx bench/train-worker.ts --model cnn2d-lstm --data ../shared/datasets/emodb
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  buildModel,
  describeModel,
  isModelName,
  modelInput,
  type ModelConfig,
} from '../src/core/models/index.js';
import { seededRng } from '../src/core/random.js';
import { logMelSpectrogram } from '../src/core/features/index.js';
import { initBackend, type BackendName } from '../src/node/backend.js';
import { DataParallelTrainer, type ParallelTiming } from '../src/node/parallel/data-parallel.js';
import { threadTimes } from '../src/node/parallel/thread-time.js';
import { readEmodbTrainingFold } from './emodb-fold.js';

const SAMPLE_RATE = 16000;
const HOP = 160;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'cnn2d-lstm' },
    data: { type: 'string', default: '../shared/datasets/emodb' },
    holdout: { type: 'string', default: '03' },
    epochs: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1' },
    batch: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'wasm' },
    /** Train on this many clips of the fold per epoch and scale the time to the whole fold (0 = all). */
    clips: { type: 'string', default: '0' },
    /** Overrides of the model's default sizes (ModelConfig as JSON). */
    config: { type: 'string', default: '{}' },
    /** Worker threads for data-parallel training (1 = model.fit on this thread). */
    threads: { type: 'string', default: '1' },
  },
});

interface Item {
  data: Float32Array;
  /** Rows (frames or samples) of `width` values each. */
  rows: number;
  label: number;
}

/** Random crop of `rows` rows per item (zero-padded at the end when shorter), stacked. */
function cropBatch(items: Item[], rows: number, width: number, random: () => number): Float32Array {
  const out = new Float32Array(items.length * rows * width);
  items.forEach((it, i) => {
    const start = it.rows > rows ? Math.floor(random() * (it.rows - rows + 1)) : 0;
    const take = Math.min(rows, it.rows);
    out.set(it.data.subarray(start * width, (start + take) * width), i * rows * width);
  });
  return out;
}

/** Standardise in place with the mean and standard deviation of all values. */
function standardise(items: Item[]): void {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const it of items) {
    for (const v of it.data) {
      n += 1;
      sum += v;
      sq += v * v;
    }
  }
  const mean = sum / n;
  const std = Math.sqrt(Math.max(sq / n - mean * mean, 1e-12));
  for (const it of items) for (let i = 0; i < it.data.length; i++) it.data[i] = (it.data[i] - mean) / std;
}

/** One epoch of data-parallel Adam steps over `crops` (items.length examples) in a shuffled order. */
async function parallelEpoch(
  dp: DataParallelTrainer,
  crops: Float32Array,
  items: Item[],
  batchSize: number,
  random: () => number,
): Promise<{ history: Record<string, number[]> }> {
  const per = crops.length / items.length;
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let lossSum = 0;
  let correct = 0;
  // One batch buffer for the whole epoch: dp.step copies it into the workers' inputs before it returns.
  const batchBuffer = new Float32Array(batchSize * per);
  const prepare = (b: number) => {
    const idx = order.slice(b, b + batchSize);
    const x = batchBuffer.subarray(0, idx.length * per);
    idx.forEach((i, k) => x.set(crops.subarray(i * per, (i + 1) * per), k * per));
    return { x, labels: idx.map((i) => items[i].label) };
  };
  // As src/node/train/trainer.ts does: the next batch is made while the workers compute.
  let next = prepare(0);
  for (let b = 0; b < order.length; b += batchSize) {
    const { x, labels } = next;
    const pending = dp.step(x, labels);
    if (b + batchSize < order.length) next = prepare(b + batchSize);
    const r = await pending;
    lossSum += r.loss * labels.length;
    correct += labels.filter((t, k) => r.predicted[k] === t).length;
  }
  return { history: { loss: [lossSum / items.length], acc: [correct / items.length] } };
}

/** b - a of two ParallelTiming readings, times `scale`. */
function timingSpan(a: ParallelTiming, b: ParallelTiming, scale: number): ParallelTiming {
  const d = (x: number, y: number) => (y - x) * scale;
  return {
    steps: d(a.steps, b.steps),
    slowestGradCpuMs: d(a.slowestGradCpuMs, b.slowestGradCpuMs),
    reduceCpuMs: d(a.reduceCpuMs, b.reduceCpuMs),
    workers: b.workers.map((w, k) => {
      const out = { ...w };
      for (const key of Object.keys(w) as (keyof typeof w)[]) out[key] = d(a.workers[k][key], w[key]);
      return out;
    }),
  };
}

async function main(): Promise<void> {
  const name = args.model;
  if (!isModelName(name)) throw new Error(`unknown model ${name}`);
  const epochs = Number(args.epochs);
  const warmup = Number(args.warmup);
  const batchSize = Number(args.batch);
  const seconds = Number(args.seconds);
  const threads = Number(args.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`--threads must be >= 1, got ${args.threads}`);
  const backend = await initBackend(args.backend as BackendName);

  const fold = await readEmodbTrainingFold(args.data, args.holdout);
  const { labels } = fold;
  const limit = Number(args.clips);
  const pick = seededRng(7);
  const clips =
    limit > 0 && limit < fold.clips.length
      ? fold.clips
          .map((c) => ({ c, k: pick() }))
          .sort((a, b) => a.k - b.k)
          .slice(0, limit)
          .map((p) => p.c)
      : fold.clips;
  const scale = fold.clips.length / clips.length;
  const waveform = modelInput(name) === 'waveform';
  const nMels = name === 'cnn' ? 40 : 64;
  const items: Item[] = clips.map((c) => {
    if (waveform) return { data: c.samples, rows: c.samples.length, label: c.label };
    const m = logMelSpectrogram(c.samples, {
      sampleRate: SAMPLE_RATE,
      nMels,
      winLength: 400,
      hopLength: HOP,
      nFft: 512,
    });
    return { data: m.data, rows: m.frames, label: c.label };
  });
  if (!waveform) standardise(items);
  const rows = waveform ? seconds * SAMPLE_RATE : (seconds * SAMPLE_RATE) / HOP;
  const width = waveform ? 1 : nMels;
  const inputShape = waveform ? [rows, 1] : [rows, width, 1];

  const model = buildModel(name, {
    inputShape,
    numClasses: labels.length,
    config: JSON.parse(args.config) as Partial<ModelConfig>,
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const parallel =
    threads > 1
      ? await DataParallelTrainer.start({
          backend: args.backend as BackendName,
          model: name,
          build: {
            inputShape,
            numClasses: labels.length,
            config: JSON.parse(args.config) as Partial<ModelConfig>,
          },
          weights: model.getWeights().map((t) => Float32Array.from(t.dataSync())),
          learningRate: 1e-3,
          threads,
        })
      : null;
  const random = seededRng(42);
  const y = tf.oneHot(
    tf.tensor1d(
      items.map((it) => it.label),
      'int32',
    ),
    labels.length,
  );
  const epochSeconds: number[] = [];
  const epochCpuSeconds: number[] = [];
  /** Data-parallel runs: where each timed epoch's time went (ParallelTiming differences, scaled to the fold). */
  const parallelEpochs: ParallelTiming[] = [];
  /** CPU s of this (the main) thread per timed epoch, scaled to the fold. */
  const mainThreadCpuSeconds: number[] = [];
  const loss: number[] = [];
  const accuracy: number[] = [];
  for (let e = 0; e < warmup + epochs; e++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const timing0 = parallel?.timing();
    const main0 = threadTimes().cpuMs;
    const crops = cropBatch(items, rows, width, random);
    let h: { history: Record<string, (number | tf.Tensor)[]> };
    if (parallel) h = await parallelEpoch(parallel, crops, items, batchSize, random);
    else {
      const x = tf.tensor(crops, [items.length, ...inputShape]);
      h = await model.fit(x, y, { batchSize, epochs: 1, shuffle: true, verbose: 0 });
      x.dispose();
    }
    const sec = ((performance.now() - t0) / 1000) * scale;
    const cpu = process.cpuUsage(c0);
    if (e >= warmup) {
      epochSeconds.push(sec);
      epochCpuSeconds.push(((cpu.user + cpu.system) / 1e6) * scale);
      if (parallel && timing0) parallelEpochs.push(timingSpan(timing0, parallel.timing(), scale));
      mainThreadCpuSeconds.push(((threadTimes().cpuMs - main0) / 1000) * scale);
    }
    loss.push(h.history.loss[0] as number);
    accuracy.push((h.history.acc ?? h.history.accuracy)[0] as number);
    process.stderr.write(
      `${name} epoch ${e + 1}/${warmup + epochs}${e < warmup ? ' (warm-up)' : ''}: ${sec.toFixed(1)} s${scale > 1 ? ' (scaled to the fold)' : ''}, loss ${loss[e].toFixed(3)}\n`,
    );
  }
  await parallel?.close();
  const d = describeModel(model, seconds);
  const result = {
    model: name,
    backend,
    threads,
    clips: fold.clips.length,
    clipsTimed: items.length,
    batchSize,
    inputShape,
    params: d.params,
    flopsPerSecondOfAudio: d.flopsPerSecondOfAudio,
    epochSeconds,
    epochCpuSeconds,
    loss,
    accuracy,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    mainThreadCpuSeconds,
    ...(parallel ? { parallelEpochs } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

await main();
