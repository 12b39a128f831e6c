/**
 * Direct SIMD convolution loops (wasm/conv-direct.ts) for the wasm backend, without an im2col
 * matrix: each image is copied into a zero-padded scratch image, and every filter tap is a fixed
 * offset from an output position's place in it.
 *
 * - `filterGradDirect`: the filter gradient of any NHWC conv2d with output channels a multiple
 *   of 8, register tiles of 4 taps x 8 channels summed over blocks of 128 output positions whose
 *   dy rows stay in cache (f32 within an image, f64 across images). It replaces im2col^T in JS
 *   plus an XNNPACK product, which streamed the K x M matrix through memory once per image.
 * - `convForwardDirect` and the `EmovoxConvTraining` kernel: conv2d + bias, register tiles of
 *   4 positions x 8 channels summed over the taps, for every conv of the networks in training
 *   (src/core/models/conv-training.ts; inference keeps tfjs's own conv) and for the stride-1
 *   input gradients (Conv2DBackpropInput.ts). 15-25 % less CPU than XNNPACK's convolution on
 *   the networks' 3x3 and k3 layers, 2x on the one-input-channel first layers, where XNNPACK
 *   ran at about half its multi-channel speed (cnn1d-lstm's 80-tap stride-4 front end).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CONV_TRAINING } from '../../core/models/conv-training.js';
import { conv2dInfo } from './conv-geometry.js';
import { allocate, builtinKernel, heapF32, release } from './wasm-ops.js';
import { heapPointer, simdKernels, type SimdKernels } from './simd.js';

type Info = tf.backend_util.Conv2DInfo;

/** Whether the direct loops handle this convolution: output channels a multiple of 8, NHWC. */
export function directApplies(info: Info): boolean {
  return info.outChannels % 8 === 0;
}

/** Padded image size and the byte offset of every tap (filter order kh, kw, c) from an output position. */
function layout(info: Info) {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const { dilationHeight: DH, dilationWidth: DW } = info;
  const { top, left } = info.padInfo;
  const hp = Math.max(top + H, (OH - 1) * SH + (KH - 1) * DH + 1);
  const wp = Math.max(left + W, (OW - 1) * SW + (KW - 1) * DW + 1);
  const taps = KH * KW * C;
  const offs = new Int32Array(taps);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++) offs[(kh * KW + kw) * C + c] = 4 * ((kh * DH * wp + kw * DW) * C + c);
    }
  }
  return { hp, wp, taps, offs };
}

/** Scratch tensors for the loops: the tap offsets (int32 bits in a float32 tensor) and one padded image. */
function scratch(backend: BackendWasm, info: Info) {
  const l = layout(info);
  const offs = allocate(backend, [l.taps]);
  const xpad = allocate(backend, [l.hp * l.wp * info.inChannels]);
  const view = heapF32(backend, offs);
  new Int32Array(view.buffer, view.byteOffset, l.taps).set(l.offs);
  return { ...l, offs, xpad };
}

/** The arguments both wasm loops start with: x and its geometry, the padded image and the tap offsets. */
function loopArgs(
  backend: BackendWasm,
  x: tf.TensorInfo,
  info: Info,
  s: ReturnType<typeof scratch>,
): number[] {
  return [
    heapPointer(backend, x),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    s.hp,
    s.wp,
    heapPointer(backend, s.offs),
    s.taps,
    heapPointer(backend, s.xpad),
  ];
}

/** dW [kh, kw, c, f] of conv(x) with output gradient dy, or null when the loops do not apply or are not built. */
export function filterGradDirect(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: Info,
  filterShape: number[],
): tf.TensorInfo | null {
  const simd = simdKernels(backend);
  if (simd === null || !directApplies(info)) return null;
  const F = info.outChannels;
  const s = scratch(backend, info);
  const acc = allocate(backend, [s.taps * F]);
  const sums = allocate(backend, [2 * s.taps * F]); // float64
  const out = allocate(backend, [s.taps * F]);
  simd.filterGradDirect(
    ...loopArgs(backend, x, info, s),
    heapPointer(backend, dy),
    heapPointer(backend, acc),
    heapPointer(backend, sums),
  );
  const sum64 = new Float64Array(heapF32(backend, sums).buffer, heapPointer(backend, sums), s.taps * F);
  heapF32(backend, out).set(sum64);
  for (const t of [acc, sums, s.offs, s.xpad]) release(backend, t);
  return { ...out, shape: filterShape.slice() };
}

/** conv2d(x, filter) + bias by the direct loops (output channels a multiple of 8; bias null: none). */
export function convForwardDirect(
  backend: BackendWasm,
  simd: SimdKernels,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | null,
  info: Info,
): tf.TensorInfo {
  const s = scratch(backend, info);
  const y = allocate(backend, info.outShape.slice());
  const zeros = bias === null ? allocate(backend, [info.outChannels]) : null;
  if (zeros !== null) heapF32(backend, zeros).fill(0);
  simd.convForwardDirect(
    ...loopArgs(backend, x, info, s),
    heapPointer(backend, filter),
    heapPointer(backend, bias ?? zeros!),
    heapPointer(backend, y),
  );
  for (const t of [s.offs, s.xpad, zeros]) if (t !== null) release(backend, t);
  return y;
}

/** conv2d(x, filter) + bias by the direct loops when they apply, else by the wasm backend's fused conv. */
function convTraining(args: {
  inputs: { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo };
  backend: BackendWasm;
  attrs: { strides: [number, number]; pad: 'valid' | 'same' };
}): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias } = inputs;
  const info = conv2dInfo(CONV_TRAINING, x.shape, filter.shape, { ...attrs, dataFormat: 'NHWC' });
  const simd = simdKernels(backend);
  if (simd === null || !directApplies(info)) {
    return builtinKernel('FusedConv2D')({
      inputs: { x, filter, bias },
      backend,
      attrs: { ...attrs, dilations: 1, dataFormat: 'NHWC', activation: 'linear' },
    }) as tf.TensorInfo;
  }
  return convForwardDirect(backend, simd, x, filter, bias, info);
}

export const convTrainingConfig: tf.KernelConfig = {
  kernelName: CONV_TRAINING,
  backendName: 'wasm',
  kernelFunc: convTraining as unknown as tf.KernelFunc,
};
