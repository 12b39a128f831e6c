/**
 * Where one training step's time and bytes go (`npx tsx bench/profile-step.ts`): builds a model
 * from src/core/models, runs `--steps` Adam steps the way src/node/train/trainer.ts does
 * (optimizer.minimize over model.apply(training)), then profiles one more with tf.profile and
 * prints the kernels by total time, the peak bytes tfjs saw, the wasm heap size and peak RSS.
 *
 *   npx tsx bench/profile-step.ts --model cnn2d-lstm --batch 32
 *   npx tsx bench/profile-step.ts --model cnn1d-lstm --batch 32 --steps 3 --cpu --calls 20   (CPU time per kernel)
 *   npx tsx bench/profile-step.ts --model cnn2d-lstm --config '{"filters":[16,16,32,32],"lstmUnits":32}' --batch 16
 */
import { loadavg } from 'node:os';
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
    /**
     * Per-kernel CPU time instead of tf.profile's wall time: every registered kernel of the
     * backend is wrapped to read process.cpuUsage() around its call, over `--steps` steps. On
     * a shared machine this is the only per-kernel figure that holds (wall time includes the
     * time other processes ran); the rest of the step (tape, JS of customGrad wrappers) is
     * printed as "outside kernels".
     */
    cpu: { type: 'boolean', default: false },
  },
});

const backend = await initBackend(args.backend as BackendName);

/** CPU microseconds and calls per kernel name (and per name + input shapes), filled while `cpuTimed`. */
const cpuByKernel = new Map<string, { us: number; calls: number }>();
const cpuByCall = new Map<string, { us: number; calls: number }>();
let cpuTimed = false;
if (args.cpu) {
  let depth = 0;
  for (const k of tf.getKernelsForBackend(backend)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      setupFunc: undefined, // already run when the backend started
      kernelFunc: (a) => {
        if (!cpuTimed || depth > 0) return inner(a);
        depth++;
        const c0 = process.cpuUsage();
        try {
          return inner(a);
        } finally {
          const c = process.cpuUsage(c0);
          depth--;
          const us = c.user + c.system;
          const shapes = Object.values(a.inputs).map((t) => (t ? `[${t.shape.join(',')}]` : '-'));
          for (const [map, key] of [
            [cpuByKernel, k.kernelName],
            [cpuByCall, `${k.kernelName} ${shapes.join(' ')}`],
          ] as const) {
            const e = map.get(key) ?? { us: 0, calls: 0 };
            e.us += us;
            e.calls += 1;
            map.set(key, e);
          }
        }
      },
    });
  }
}
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

if (args.cpu) {
  cpuTimed = true;
  const c1 = process.cpuUsage();
  for (let s = 0; s < steps; s++) step();
  const c = process.cpuUsage(c1);
  cpuTimed = false;
  const perStep = (us: number) => us / 1000 / steps;
  const stepMs = perStep(c.user + c.system);
  const inKernels = [...cpuByKernel.values()].reduce((a, e) => a + e.us, 0);
  console.log(
    `${args.model} ${args.config} batch ${batch} input [${inputShape.join(', ')}] on ${backend}: ` +
      `${model.countParams()} params; ${firstStep}`,
  );
  console.log(
    `CPU ms per step (mean of ${steps} timed steps): ${stepMs.toFixed(0)} (${wallMs.toFixed(0)} ms wall before timing); ` +
      `inside kernels ${perStep(inKernels).toFixed(0)}, outside kernels ${(stepMs - perStep(inKernels)).toFixed(0)}`,
  );
  const print = (map: Map<string, { us: number; calls: number }>, n: number) => {
    for (const [name, e] of [...map.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, n)) {
      console.log(
        `  ${perStep(e.us).toFixed(1).padStart(7)} ms ${((100 * e.us) / (c.user + c.system)).toFixed(1).padStart(5)} %  ${String(e.calls / steps).padStart(4)} calls  ${name}`,
      );
    }
  };
  print(cpuByKernel, Number(args.top));
  if (Number(args.calls) > 0) {
    console.log('by call (kernel and input shapes):');
    print(cpuByCall, Number(args.calls));
  }
  console.log(
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  process.exit(0);
}

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
