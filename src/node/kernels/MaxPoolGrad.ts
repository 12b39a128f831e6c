/**
 * MaxPoolGrad for the wasm backend, replacing the built-in one (which, for every input element,
 * rescans every window that covers it: ~30x slower than the forward pool here).
 * One pass over each window: find the first maximum (same tie rule as the cpu backend: scan rows,
 * then columns, keep the earliest), and add dy there. Channels are innermost (NHWC), so the scan
 * reads x contiguously.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, heapF32, release } from './wasm-ops.js';
import { heapPointer, simdKernels } from './simd.js';

/** Route each window's gradient to its first maximum; dx (NHWC, zeroed) accumulates. */
export function maxPoolBackward(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  dx: Float32Array,
) {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const { effectiveFilterHeight: FH, effectiveFilterWidth: FW } = info;
  const { top: PT, left: PL } = info.padInfo;
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  let o = 0;
  for (let n = 0; n < N; n++) {
    const xImage = n * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      const r0 = oy * SH - PT;
      let rMin = r0;
      while (rMin < 0) rMin += DH;
      const rMax = Math.min(H, r0 + FH);
      for (let ox = 0; ox < OW; ox++, o += C) {
        const c0 = ox * SW - PL;
        let cMin = c0;
        while (cMin < 0) cMin += DW;
        const cMax = Math.min(W, c0 + FW);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let r = rMin; r < rMax; r += DH) {
          for (let col = cMin; col < cMax; col += DW) {
            const base = xImage + (r * W + col) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += dy[o + c];
      }
    }
  }
}

/**
 * The same for pools whose windows tile the input (stride = window, no padding or dilation):
 * one pass over x in memory order, comparing each value with its window's maximum (the
 * forward output y); the first match in row-then-column order takes the gradient, the same
 * tie rule as above. About 4x faster than rescanning each window, as it reads x contiguously.
 */
export function maxPoolBackwardTiled(
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  dx: Float32Array,
) {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: SH, strideWidth: SW } = info;
  const taken = new Uint8Array(y.length);
  for (let n = 0; n < N; n++) {
    for (let iy = 0; iy < OH * SH; iy++) {
      const rowOut = (n * OH + Math.floor(iy / SH)) * OW;
      let p = (n * H + iy) * W * C;
      for (let ix = 0; ix < OW * SW; ix++, p += C) {
        const w = (rowOut + Math.floor(ix / SW)) * C;
        for (let c = 0; c < C; c++) {
          if (x[p + c] === y[w + c] && taken[w + c] === 0) {
            dx[p + c] = dy[w + c];
            taken[w + c] = 1;
          }
        }
      }
    }
  }
}

/** Windows tile the input: stride equals the window, no padding, no dilation. */
function tiles(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.strideHeight === info.filterHeight &&
    info.strideWidth === info.filterWidth &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0
  );
}

export function maxPoolGrad(args: {
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  backend: BackendWasm;
  attrs: tf.MaxPoolGradAttrs;
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const dx = allocate(backend, input.shape.slice());
  const dxValues = heapF32(backend, dx);
  dxValues.fill(0);
  const simd = info.inChannels % 4 === 0 ? simdKernels(backend) : null;
  if (tiles(info) && inputs.output.dtype === 'float32' && simd !== null) {
    // The same pass as maxPoolBackwardTiled, 4 channels at a time (wasm/max-pool-grad.ts).
    const taken = allocate(backend, dy.shape.slice());
    const ptr = (t: tf.TensorInfo) => heapPointer(backend, t);
    simd.maxPoolGradTiled(
      ptr(input),
      ptr(inputs.output),
      ptr(dy),
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.strideHeight,
      info.strideWidth,
      ptr(taken),
      ptr(dx),
    );
    release(backend, taken);
  } else if (tiles(info) && inputs.output.dtype === 'float32') {
    maxPoolBackwardTiled(
      heapF32(backend, input),
      heapF32(backend, inputs.output),
      heapF32(backend, dy),
      info,
      dxValues,
    );
  } else {
    maxPoolBackward(heapF32(backend, input), heapF32(backend, dy), info, dxValues);
  }
  return dx;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
