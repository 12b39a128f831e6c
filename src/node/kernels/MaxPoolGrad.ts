/**
 * MaxPoolGrad for the wasm backend, replacing the built-in one (which, for every input element,
 * rescans every window that covers it: ~30x slower than the forward pool here).
 * One pass over each window: find the first maximum (same tie rule as the cpu backend: scan rows,
 * then columns, keep the earliest), and add dy there. Channels are innermost (NHWC), so the scan
 * reads x contiguously.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocate, heapF32 } from './wasm-ops.js';

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
  maxPoolBackward(heapF32(backend, input), heapF32(backend, dy), info, dxValues);
  return dx;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
