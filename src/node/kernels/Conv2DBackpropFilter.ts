/**
 * Conv2DBackpropFilter for the wasm backend (which has none): the gradient of a conv2d with
 * respect to its filter, dW [kh*kw*c, f] = cols^T [K, M] @ dy [M, f], with the patch matrix built
 * by im2col in JS and the product done by the wasm backend's XNNPACK matrix multiply.
 *
 * The wasm BatchMatMul is only fast without transposes, so the transpose is done while building:
 * with few taps (K <= f) im2col writes cols^T directly; otherwise dy (the smaller side) is
 * transposed and dW^T = dy^T @ cols is computed, then transposed back (K * f values).
 * Large batches are processed a few images at a time to bound the temporaries.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dInfo, geometryOf, imagesPerChunk } from './conv-geometry.js';
import { im2col, im2colTransposed, transpose2d } from './im2col.js';
import { allocate, heapF32, matMul, release } from './wasm-ops.js';

/** Part of dy for images n0..n1-1 as an [M, f] tensor: dy itself when it is the whole batch. */
function dyRows(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  n0: number,
  n1: number,
  rowsPerImage: number,
  f: number,
) {
  const rows = (n1 - n0) * rowsPerImage;
  if (n0 === 0 && n1 === dy.shape[0]) return { t: { ...dy, shape: [rows, f] }, owned: false };
  const t = allocate(backend, [rows, f]);
  heapF32(backend, t).set(heapF32(backend, dy).subarray(n0 * rowsPerImage * f, n1 * rowsPerImage * f));
  return { t, owned: true };
}

export function conv2DBackpropFilter(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: BackendWasm;
  attrs: tf.Conv2DBackpropFilterAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const info = conv2dInfo('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs);
  const g = geometryOf(info);
  const batch = info.batchSize;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const F = info.outChannels;
  const perImage = info.outHeight * info.outWidth;
  const smallK = K <= F;

  const out = allocate(backend, [K, F]);
  const step = imagesPerChunk(perImage * K, batch);
  for (let n0 = 0; n0 < batch; n0 += step) {
    const n1 = Math.min(batch, n0 + step);
    const rows = (n1 - n0) * perImage;
    let part: tf.TensorInfo;
    if (smallK) {
      const colsT = allocate(backend, [K, rows]);
      const dyPart = dyRows(backend, dy, n0, n1, perImage, F);
      im2colTransposed(heapF32(backend, x), g, n0, n1, heapF32(backend, colsT));
      part = matMul(backend, colsT, dyPart.t, K, rows, F);
      release(backend, colsT);
      if (dyPart.owned) release(backend, dyPart.t);
    } else {
      const cols = allocate(backend, [rows, K]);
      const dyT = allocate(backend, [F, rows]);
      im2col(heapF32(backend, x), g, n0, n1, heapF32(backend, cols));
      const dyAll = heapF32(backend, dy).subarray(n0 * perImage * F, n1 * perImage * F);
      transpose2d(dyAll, rows, F, heapF32(backend, dyT));
      part = matMul(backend, dyT, cols, F, rows, K);
      release(backend, cols);
      release(backend, dyT);
    }
    accumulate(heapF32(backend, part), heapF32(backend, out), K, F, !smallK, n0 === 0);
    release(backend, part);
  }
  return { ...out, shape: attrs.filterShape.slice() };
}

/** out [K, F] (+)= part, where part is [K, F] or, if `transposed`, [F, K]. */
function accumulate(
  part: Float32Array,
  out: Float32Array,
  K: number,
  F: number,
  transposed: boolean,
  first: boolean,
) {
  if (!transposed) {
    if (first) out.set(part);
    else for (let i = 0; i < out.length; i++) out[i] += part[i];
    return;
  }
  for (let k = 0; k < K; k++) {
    const o = k * F;
    if (first) for (let f = 0; f < F; f++) out[o + f] = part[f * K + k];
    else for (let f = 0; f < F; f++) out[o + f] += part[f * K + k];
  }
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
