/**
 * Conv2DBackpropFilter for the wasm backend (which has none): the gradient of a conv2d with
 * respect to its filter, dW [kh*kw*c, f] = cols^T [K, M] @ dy [M, f]. With output channels a
 * multiple of 8 (every conv of the networks) the direct SIMD loops of conv-direct.ts compute it
 * without cols^T (1.5-3x faster). Otherwise cols^T is built in JS from
 * x made channel-major (one transpose of x, then contiguous copies per row), and the product is
 * the wasm backend's XNNPACK matrix multiply, which is only fast without transposes and packs
 * its right-hand side (dy, small) on every call.
 * Large batches are processed a few images at a time to bound the temporaries.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dInfo, geometryOf, imagesPerChunk, kernelSettings } from './conv-geometry.js';
import { im2colTransposed, transpose2d } from './im2col.js';
import { allocate, heapF32, matMul, release } from './wasm-ops.js';
import { filterGradDirect } from './conv-direct.js';

/** Budget of each chunk's cols^T (1M floats = 4 MB): usually one image at a time. */
const FILTER_GRAD_CHUNK_FLOATS = 1024 * 1024;

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
  const direct = filterGradDirect(backend, x, dy, info, attrs.filterShape);
  if (direct !== null) return direct;
  const g = geometryOf(info);
  const batch = info.batchSize;
  const C = info.inChannels;
  const K = info.filterHeight * info.filterWidth * C;
  const F = info.outChannels;
  const perImage = info.outHeight * info.outWidth;

  // x channel-major ([C, N, H, W]) so each row of cols^T is built from contiguous runs.
  const pixels = batch * info.inHeight * info.inWidth;
  const xT = C === 1 ? null : allocate(backend, [C, pixels]);
  if (xT !== null) transpose2d(heapF32(backend, x), pixels, C, heapF32(backend, xT));
  const channelMajorBatch = xT === null ? 0 : batch;

  const out = allocate(backend, [K, F]);
  // Small chunks: XNNPACK streams the packed dy chunk once per 4-8 rows of cols^T, so a chunk
  // that stays in cache (a few MB) beats one large product (conv1d block 1: ~550 -> ~400 ms).
  const step = imagesPerChunk(
    perImage * K,
    batch,
    Math.min(kernelSettings.chunkFloats, FILTER_GRAD_CHUNK_FLOATS),
  );
  for (let n0 = 0; n0 < batch; n0 += step) {
    const n1 = Math.min(batch, n0 + step);
    const rows = (n1 - n0) * perImage;
    const colsT = allocate(backend, [K, rows]);
    const dyPart = dyRows(backend, dy, n0, n1, perImage, F);
    im2colTransposed(heapF32(backend, xT ?? x), g, n0, n1, heapF32(backend, colsT), channelMajorBatch);
    // cols^T [K, rows] @ dy [rows, F]: XNNPACK packs the right-hand side, the smaller one here.
    const part = matMul(backend, colsT, dyPart.t, K, rows, F);
    release(backend, colsT);
    if (dyPart.owned) release(backend, dyPart.t);
    const partValues = heapF32(backend, part);
    const outValues = heapF32(backend, out);
    if (n0 === 0) outValues.set(partValues);
    else for (let i = 0; i < outValues.length; i++) outValues[i] += partValues[i];
    release(backend, part);
  }
  if (xT !== null) release(backend, xT);
  return { ...out, shape: attrs.filterShape.slice() };
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
