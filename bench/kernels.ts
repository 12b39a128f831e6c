/**
 * Convolution kernels at the real layer shapes of cnn2d-lstm (64 mels x 300 frames, 3x3 'same',
 * 64/64/128/128 filters, pools 4x4, 2x2, 2x2, 2x1), batch 32:
 * forward Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter, on
 *   - wasm default: @tensorflow/tfjs-backend-wasm's own kernels (it has no Conv2DBackpropFilter),
 *   - wasm ours:    with src/node/kernels registered (initBackend('wasm')),
 *   - cpu:          the pure-JS reference backend, run on a much smaller problem (batch 1,
 *                   24 frames): it is slow, and GFLOP/s are rates, so they still compare.
 *   - im2col+MatMul: forward conv as our kernels would do it (JS im2col, XNNPACK MatMul), to
 *                   decide whether replacing the wasm forward Conv2D would pay (it does not).
 * The forward Conv2D is not replaced, so for it "ours" is the wasm kernel again.
 * Prints median milliseconds of --reps runs after one warm-up, GFLOP/s (2 * multiply-adds), and
 * the ratio ours / default.
 *
 *   npm run bench:kernels -- [--batch 32] [--cpu-batch 1] [--cpu-width 24] [--reps 3] [--no-cpu] [--json f]
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/node/backend.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dInfo, geometryOf } from '../src/node/kernels/conv-geometry.js';
import { im2col } from '../src/node/kernels/im2col.js';
import { registerProjectKernels, unregisterProjectKernels } from '../src/node/kernels/index.js';
import { allocate, heapF32, matMul, release } from '../src/node/kernels/wasm-ops.js';

interface Layer {
  name: string;
  x: [number, number, number, number]; // per-image [h, w, c] with batch set later
  f: number;
  pool: [number, number];
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const BATCH = argValue('--batch', 32);
const CPU_BATCH = argValue('--cpu-batch', 1);
/** The cpu backend is 100-1000x slower: it runs on images cropped to this many frames. */
const CPU_WIDTH = argValue('--cpu-width', 24);
const REPS = argValue('--reps', 3);
const WITH_CPU = !process.argv.includes('--no-cpu');
const jsonAt = process.argv.indexOf('--json');
const JSON_OUT = jsonAt >= 0 ? process.argv[jsonAt + 1] : null;

/** cnn2d-lstm conv layers: input [batch, h, w, c] -> f filters, 3x3 'same'. */
const LAYERS: Layer[] = [
  { name: 'block1 64x300x1->64', x: [0, 64, 300, 1], f: 64, pool: [4, 4] },
  { name: 'block2 16x75x64->64', x: [0, 16, 75, 64], f: 64, pool: [2, 2] },
  { name: 'block3 8x37x64->128', x: [0, 8, 37, 64], f: 128, pool: [2, 2] },
  { name: 'block4 4x18x128->128', x: [0, 4, 18, 128], f: 128, pool: [2, 1] },
];
const OPS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad'] as const;
type Op = (typeof OPS)[number];

function gflop(layer: Layer, batch: number, op: Op | 'im2col'): number {
  const [, h, w, c] = layer.x;
  if (op === 'MaxPoolGrad') return (batch * h * w * layer.f) / 1e9; // one compare per input element
  return (2 * batch * h * w * c * layer.f * 9) / 1e9;
}

/** Median ms of running `op` on fresh random inputs (inputs made once, outside the timing). */
function timeOp(layer: Layer, batch: number, op: Op | 'im2col', reps: number): number {
  const [, h, w, c] = layer.x;
  const x = tf.randomNormal([batch, h, w, c]);
  const filter = tf.randomNormal([3, 3, c, layer.f]);
  const dy = tf.randomNormal([batch, h, w, layer.f]);
  const conv = tf.tidy(() => tf.randomNormal([batch, h, w, layer.f]));
  const pooled = tf.maxPool(conv as tf.Tensor4D, layer.pool, layer.pool, 'valid');
  const dyPool = tf.randomNormal(pooled.shape);
  const run = (): tf.Tensor => {
    switch (op) {
      case 'Conv2D':
        return tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same');
      case 'im2col':
        return convIm2col(x, filter);
      case 'Conv2DBackpropInput':
        return tf
          .engine()
          .runKernel(
            op,
            { dy, filter },
            { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [batch, h, w, c] },
          ) as tf.Tensor;
      case 'Conv2DBackpropFilter':
        return tf
          .engine()
          .runKernel(
            op,
            { x, dy },
            { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, c, layer.f] },
          ) as tf.Tensor;
      case 'MaxPoolGrad':
        return tf
          .engine()
          .runKernel(
            op,
            { dy: dyPool, input: conv, output: pooled },
            { filterSize: layer.pool, strides: layer.pool, pad: 'valid' },
          ) as tf.Tensor;
    }
  };
  run().dispose(); // warm-up (JIT, heap growth, XNNPACK operator set-up)
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = run();
    out.dataSync(); // synchronous on wasm/cpu already; keeps the timing honest elsewhere
    times.push(performance.now() - t0);
    out.dispose();
  }
  tf.dispose([x, filter, dy, conv, pooled, dyPool]);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Row {
  layer: string;
  op: Op;
  wasmDefaultMs: number | null;
  oursMs: number;
  cpuMs: number | null;
  wasmDefaultGflops: number | null;
  oursGflops: number;
  cpuGflops: number | null;
  im2colMs?: number;
}

/** Forward conv2d 3x3 'same' as JS im2col + the wasm XNNPACK MatMul (on the wasm backend). */
function convIm2col(x: tf.Tensor, filter: tf.Tensor): tf.Tensor {
  const backend = tf.backend() as unknown as BackendWasm;
  const [n, h, w, c] = x.shape as number[];
  const f = filter.shape[3] as number;
  const info = conv2dInfo('Conv2D', x.shape, filter.shape, { strides: 1, pad: 'same' });
  const K = 9 * c;
  const cols = allocate(backend, [n * h * w, K]);
  const xInfo = { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  im2col(heapF32(backend, xInfo), geometryOf(info), 0, n, heapF32(backend, cols));
  const fInfo = { dataId: filter.dataId, shape: [K, f], dtype: filter.dtype };
  const out = matMul(backend, cols, fInfo, n * h * w, K, f);
  release(backend, cols);
  return tf.engine().makeTensorFromTensorInfo({ ...out, shape: [n, h, w, f] });
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const layer of LAYERS) {
    for (const op of OPS) {
      await initBackend('wasm');
      const oursMs = timeOp(layer, BATCH, op, REPS);
      unregisterProjectKernels();
      const hasDefault = tf.getKernel(op, 'wasm') !== undefined;
      const wasmDefaultMs = hasDefault ? timeOp(layer, BATCH, op, Math.min(REPS, 2)) : null;
      registerProjectKernels();
      const im2colMs = op === 'Conv2D' ? timeOp(layer, BATCH, 'im2col', REPS) : undefined;
      let cpuMs: number | null = null;
      const cpuLayer: Layer = { ...layer, x: [0, layer.x[1], Math.min(layer.x[2], CPU_WIDTH), layer.x[3]] };
      if (WITH_CPU) {
        await initBackend('cpu');
        cpuMs = timeOp(cpuLayer, CPU_BATCH, op, 1);
      }
      const g = gflop(layer, BATCH, op);
      const row: Row = {
        layer: layer.name,
        op,
        wasmDefaultMs,
        oursMs,
        cpuMs,
        wasmDefaultGflops: wasmDefaultMs === null ? null : g / (wasmDefaultMs / 1e3),
        oursGflops: g / (oursMs / 1e3),
        cpuGflops: cpuMs === null ? null : gflop(cpuLayer, CPU_BATCH, op) / (cpuMs / 1e3),
        im2colMs,
      };
      rows.push(row);
      print(row);
    }
  }
  if (JSON_OUT !== null) {
    writeFileSync(JSON_OUT, JSON.stringify({ batch: BATCH, cpuBatch: CPU_BATCH, reps: REPS, rows }, null, 2));
  }
}

const fmt = (v: number | null, digits = 1) => (v === null ? 'n/a' : v.toFixed(digits));

function print(r: Row): void {
  const ratio = r.wasmDefaultMs === null ? 'missing' : `${(r.wasmDefaultMs / r.oursMs).toFixed(1)}x`;
  console.log(
    [
      r.layer.padEnd(22),
      r.op.padEnd(21),
      `default ${fmt(r.wasmDefaultMs, 0).padStart(6)} ms ${fmt(r.wasmDefaultGflops).padStart(5)} GF/s`,
      `ours ${fmt(r.oursMs, 0).padStart(6)} ms ${fmt(r.oursGflops).padStart(5)} GF/s`,
      `cpu ${fmt(r.cpuGflops, 3).padStart(6)} GF/s`,
      `speed-up vs default ${ratio}`,
      r.im2colMs === undefined ? '' : `im2col+MatMul ${r.im2colMs.toFixed(0)} ms`,
    ].join(' | '),
  );
}

console.log(
  `batch ${BATCH} (cpu: batch ${CPU_BATCH}, ${CPU_WIDTH} frames), median of ${REPS} runs; GF/s = GFLOP/s ` +
    '(MaxPoolGrad: G input elements/s)',
);
await main();
