/**
 * Where one training step's time and bytes go (`npx tsx bench/profile-step.ts`): builds a model
 * from src/core/models, runs `--steps` Adam steps the way src/node/train/trainer.ts does
 * (optimizer.minimize over model.apply(training)), then profiles one more with tf.profile and
 * prints the kernels by total time, the peak bytes tfjs saw, the wasm heap size and peak RSS.
 *
 *   npx tsx bench/profile-step.ts --model cnn2d-lstm --batch 32
 *   npx tsx bench/profile-step.ts --model cnn2d-lstm --config '{"filters":[16,16,32,32],"lstmUnits":32}' --batch 16
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { buildModel, modelInput, type ModelConfig } from '../src/core/models/index.js';
import { initBackend, type BackendName } from '../src/node/backend.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'cnn2d-lstm' },
    config: { type: 'string', default: '{}' },
    batch: { type: 'string', default: '32' },
    mels: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'wasm' },
    top: { type: 'string', default: '25' },
    /** Also list this many slowest single kernel calls with their input shapes. */
    calls: { type: 'string', default: '0' },
  },
});

const backend = await initBackend(args.backend as BackendName);
const batch = Number(args.batch);
const seconds = Number(args.seconds);
const waveform = modelInput(args.model) === 'waveform';
const inputShape = waveform ? [seconds * 16000, 1] : [seconds * 100, Number(args.mels), 1];
const model = buildModel(args.model, {
  inputShape,
  numClasses: 7,
  config: JSON.parse(args.config) as Partial<ModelConfig>,
});
const optimizer = tf.train.adam(1e-3);
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
const x = tf.randomNormal([batch, ...inputShape]);
const y = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 7),
    'int32',
  ),
  7,
);

function step(): number {
  const cost = optimizer.minimize(
    () => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
    },
    true,
    vars,
  )!;
  const v = cost.dataSync()[0];
  cost.dispose();
  return v;
}

const w0 = performance.now();
const u0 = process.cpuUsage();
step(); // warm-up: kernel set-up, Adam's slots, heap growth, JIT
const u1 = process.cpuUsage(u0);
const firstStep = `first step ${(performance.now() - w0).toFixed(0)} ms wall, ${((u1.user + u1.system) / 1000).toFixed(0)} ms CPU`;
const steps = Number(args.steps);
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let s = 0; s < steps; s++) step();
const wallMs = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(c0);
const cpuMs = (cpu.user + cpu.system) / 1000 / steps;

const info = await tf.profile(() => {
  step();
});
const byKernel = new Map<string, { ms: number; calls: number; bytes: number }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, calls: 0, bytes: 0 };
  e.ms += (await k.kernelTimeMs) as number;
  e.calls += 1;
  e.bytes += Math.max(0, k.bytesAdded);
  byKernel.set(k.name, e);
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const totalMs = rows.reduce((s, [, e]) => s + e.ms, 0);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(
  `${args.model} ${args.config} batch ${batch} input [${inputShape.join(', ')}] on ${backend}: ` +
    `${model.countParams()} params, ${info.kernels.length} kernel calls per step`,
);
console.log(
  `${firstStep}; then (mean of ${steps}): ${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU`,
);
console.log(`profiled step: kernels ${totalMs.toFixed(0)} ms; tfjs peak ${mb(info.peakBytes)} MB`);
for (const [name, e] of rows.slice(0, Number(args.top))) {
  console.log(
    `  ${name.padEnd(24)} ${e.ms.toFixed(0).padStart(6)} ms ${String(e.calls).padStart(5)} calls ${mb(e.bytes).padStart(6)} MB out`,
  );
}
const single = await Promise.all(
  info.kernels.map(async (k) => ({
    name: k.name,
    ms: (await k.kernelTimeMs) as number,
    shapes: k.inputShapes,
  })),
);
for (const k of single.sort((a, b) => b.ms - a.ms).slice(0, Number(args.calls))) {
  console.log(`  call ${k.name.padEnd(24)} ${k.ms.toFixed(0).padStart(6)} ms  ${JSON.stringify(k.shapes)}`);
}
const heap =
  backend === 'wasm'
    ? ((tf.backend() as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length
    : 0;
console.log(`wasm heap ${mb(heap)} MB, peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
