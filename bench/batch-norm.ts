/**
 * Training batch norm at cnn2d-lstm's real activation shapes (batch 32, blocks 1-4 after each
 * conv): forward and backward, the JavaScript loops against the SIMD wasm loops
 * (wasm/batch-norm.ts), on the same tfjs wasm heap. Prints median CPU milliseconds of --reps runs
 * after one warm-up (CPU time: the machine may be shared) and ns per element.
 *
 *   npx tsx bench/batch-norm.ts [--reps 5]
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { initBackend } from '../src/node/backend.js';
import {
  batchNormTrainingGradKernel,
  batchNormTrainingKernel,
  channelMoments,
  normalise,
  normaliseBackward,
} from '../src/node/kernels/BatchNormTraining.js';
import { simdKernels } from '../src/node/kernels/simd.js';
import { heapF32 } from '../src/node/kernels/wasm-ops.js';

const i = process.argv.indexOf('--reps');
const REPS = i >= 0 ? Number(process.argv[i + 1]) : 5;
const SHAPES: [string, number[]][] = [
  ['block 1 [32,300,64,64]', [32, 300, 64, 64]],
  ['block 2 [32,75,16,64]', [32, 75, 16, 64]],
  ['block 3 [32,37,8,128]', [32, 37, 8, 128]],
  ['block 4 [32,18,4,128]', [32, 18, 4, 128]],
];

function cpuMs(f: () => void): number {
  f();
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

await initBackend('wasm');
const backend = tf.backend() as BackendWasm;
if (simdKernels(backend) === null) throw new Error('SIMD kernels not built: npm run build:wasm');
console.log(
  `training batch norm, median CPU ms of ${REPS} (load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})`,
);
for (const [name, shape] of SHAPES) {
  const c = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tf.randomNormal(shape, 5, 3);
  const dy = tf.randomNormal(shape);
  const gamma = tf.randomNormal([c]);
  const beta = tf.randomNormal([c]);
  const info = (t: tf.Tensor) => t as unknown as tf.TensorInfo;
  const attrs = { varianceEpsilon: 1e-3 };
  // JS loops (the fallback path), on the same heap views.
  const y = tf.zerosLike(x);
  const dx = tf.zerosLike(x);
  const [mean, variance, dg, db] = [0, 1, 2, 3].map(() => tf.zeros([c]));
  const v = (t: tf.Tensor) => heapF32(backend, info(t));
  const jsFwd = cpuMs(() => {
    channelMoments(v(x), c, v(mean), v(variance));
    normalise(v(x), v(mean), v(variance), v(gamma), v(beta), 1e-3, v(y));
  });
  const jsBwd = cpuMs(() =>
    normaliseBackward(v(dy), v(x), v(mean), v(variance), v(gamma), 1e-3, v(dx), v(dg), v(db)),
  );
  // The kernels (SIMD for channels a multiple of 4).
  const simdFwd = cpuMs(() => {
    const out = batchNormTrainingKernel({
      inputs: { x: info(x), gamma: info(gamma), beta: info(beta) },
      backend,
      attrs,
    });
    for (const t of out) backend.disposeData(t.dataId);
  });
  const simdBwd = cpuMs(() => {
    const out = batchNormTrainingGradKernel({
      inputs: { dy: info(dy), x: info(x), mean: info(mean), variance: info(variance), gamma: info(gamma) },
      backend,
      attrs,
    });
    for (const t of out) backend.disposeData(t.dataId);
  });
  const ns = (ms: number) => ((ms * 1e6) / n).toFixed(2);
  console.log(
    `  ${name.padEnd(24)} forward JS ${jsFwd.toFixed(0)} ms (${ns(jsFwd)} ns/el), SIMD ${simdFwd.toFixed(0)} ms (${ns(simdFwd)} ns/el), ${(jsFwd / simdFwd).toFixed(1)}x; ` +
      `backward JS ${jsBwd.toFixed(0)} ms (${ns(jsBwd)}), SIMD ${simdBwd.toFixed(0)} ms (${ns(simdBwd)}), ${(jsBwd / simdBwd).toFixed(1)}x`,
  );
  tf.dispose([x, dy, gamma, beta, y, dx, mean, variance, dg, db]);
}
