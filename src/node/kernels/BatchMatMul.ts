/**
 * BatchMatMul for the wasm backend: transposed operands are transposed first (a JS pass, tiled)
 * and then multiplied by the SIMD loop of wasm/lstm.ts (one matrix each, columns a multiple of
 * 8, b at most 1 MB: the LSTM's dz W^T, about 1.2x XNNPACK there) or the built-in kernel's plain
 * path (XNNPACK). Products without transposes (forward passes, inference) are XNNPACK's. The built-in kernel's own
 * transposeA/transposeB paths are naive loops, 6-20x slower; every LSTM and dense gradient
 * takes them (dx = dz @ W^T, dW = x^T @ dz), 300 calls per training step of cnn1d-lstm.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { transpose2d } from './im2col.js';
import { allocate, builtinKernel, heapF32, release } from './wasm-ops.js';
import { heapPointer, simdKernels } from './simd.js';

/** A new tensor holding each [rows, cols] matrix of x (the last two axes) transposed. */
function transposeLastTwo(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const [rows, cols] = [x.shape[rank - 2], x.shape[rank - 1]];
  const shape = [...x.shape.slice(0, -2), cols, rows];
  const out = allocate(backend, shape);
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const size = rows * cols;
  for (let b = 0; b < src.length / size; b++) {
    transpose2d(src.subarray(b * size, (b + 1) * size), rows, cols, dst.subarray(b * size, (b + 1) * size));
  }
  return out;
}

/** Largest right-hand side (floats) for the SIMD loop; XNNPACK packs larger ones once, which wins. */
const SIMD_MAX_B_FLOATS = 256 * 1024;

export function batchMatMul(args: {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: BackendWasm;
  attrs: tf.BatchMatMulAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const plain = builtinKernel('BatchMatMul');
  const fits = (t: tf.TensorInfo) => t.dtype === 'float32' && t.shape.length >= 2;
  if (!fits(a) || !fits(b)) return plain(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const single = (t: tf.TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);
  const n = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  if (!attrs.transposeA && !attrs.transposeB) {
    // Plain products (inference among them) stay XNNPACK's, so predictions do not move.
    return plain(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  // b is re-read for every 4 rows of a: the SIMD loop only while it stays in cache (<= 1 MB).
  const simd =
    single(a) && single(b) && n % 8 === 0 && tf.util.sizeFromShape(b.shape) <= SIMD_MAX_B_FLOATS
      ? simdKernels(backend)
      : null;
  const aT = attrs.transposeA ? transposeLastTwo(backend, a) : a;
  const bT = attrs.transposeB ? transposeLastTwo(backend, b) : b;
  let out: tf.TensorInfo;
  if (simd !== null) {
    const [m, k] = aT.shape.slice(-2);
    const rank = Math.max(a.shape.length, b.shape.length);
    out = allocate(backend, [...new Array<number>(rank - 2).fill(1), m, n]);
    simd.matMulRows(heapPointer(backend, aT), heapPointer(backend, bT), heapPointer(backend, out), m, k, n);
  } else {
    out = plain({
      inputs: { a: aT, b: bT },
      backend,
      attrs: { transposeA: false, transposeB: false },
    } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  if (aT !== a) release(backend, aT);
  if (bT !== b) release(backend, bT);
  return out;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
