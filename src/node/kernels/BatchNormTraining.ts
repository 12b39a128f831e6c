/**
 * The two kernels of src/core/models/batch-norm-training.ts for the wasm backend, each two JS
 * passes over a channels-last tensor seen as [rows, C] (per-channel sums accumulated in float64,
 * as the cpu backend's reductions are). The element-wise ops tfjs composes batch norm from would
 * make ten passes and as many full-size tensors.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  type BatchNormActivation,
} from '../../core/models/batch-norm-training.js';
import { allocate, heapF32, release } from './wasm-ops.js';
import { heapPointer, simdKernels, type SimdKernels } from './simd.js';

/**
 * Per-channel mean and biased variance of x [rows, C], from sums of (x - k) and (x - k)^2 with
 * k the first row (a shift that keeps the one-pass formula exact enough in float64).
 */
export function channelMoments(
  x: Float32Array,
  channels: number,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const rows = x.length / channels;
  const s1 = new Float64Array(channels);
  const s2 = new Float64Array(channels);
  const k = x.slice(0, channels);
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      const d = x[p + c] - k[c];
      s1[c] += d;
      s2[c] += d * d;
    }
  }
  for (let c = 0; c < channels; c++) {
    const m = s1[c] / rows;
    mean[c] = k[c] + m;
    variance[c] = Math.max(0, s2[c] / rows - m * m);
  }
}

/** y = x * scale[c] + shift[c] with scale = gamma / sqrt(var + eps), shift = beta - mean * scale. */
export function normalise(
  x: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  y: Float32Array,
): void {
  const channels = mean.length;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) y[p + c] = x[p + c] * scale[c] + shift[c];
  }
}

/** Closed-form batch-norm gradient (see batch-norm-training.ts); writes dx, dgamma, dbeta. */
export function normaliseBackward(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  gamma: Float32Array,
  eps: number,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const channels = mean.length;
  const rows = x.length / channels;
  const sDy = new Float64Array(channels);
  const sDyX = new Float64Array(channels);
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) {
      const g = dy[p + c];
      sDy[c] += g;
      sDyX[c] += g * (x[p + c] - mean[c]);
    }
  }
  // dx = a * dy + b * x + d per channel, with the sums folded into a, b and d.
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  const d = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const invStd = 1 / Math.sqrt(variance[c] + eps);
    dBeta[c] = sDy[c];
    dGamma[c] = sDyX[c] * invStd;
    a[c] = gamma[c] * invStd;
    b[c] = (-a[c] * invStd * invStd * sDyX[c]) / rows;
    d[c] = (-a[c] * sDy[c]) / rows - b[c] * mean[c];
  }
  for (let p = 0; p < x.length; p += channels) {
    for (let c = 0; c < channels; c++) dx[p + c] = a[c] * dy[p + c] + b[c] * x[p + c] + d[c];
  }
}

type Info = tf.TensorInfo;

/** The SIMD kernels when they apply (built, and channels a multiple of 4), else null. */
function simdFor(backend: BackendWasm, channels: number): SimdKernels | null {
  return channels % 4 === 0 ? simdKernels(backend) : null;
}

/** x's [rows, channels] and two scratch tensors: 2 float64 sums and `coefs` float32 coefficients per channel. */
function scratch(backend: BackendWasm, x: Info, coefs: number) {
  const channels = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  return {
    channels,
    rows,
    sums: allocate(backend, [4 * channels]),
    coef: allocate(backend, [coefs * channels]),
  };
}

/** Batch-norm forward with the SIMD loops: float64 moments, then y = x * scale + shift. */
function forwardSimd(
  simd: SimdKernels,
  backend: BackendWasm,
  x: Info,
  gamma: Info,
  beta: Info,
  eps: number,
  elu: boolean,
  y: Info,
  mean: Info,
  variance: Info,
): void {
  const { channels, rows, sums, coef } = scratch(backend, x, 2); // coef: scale, shift
  simd.moments(
    heapPointer(backend, x),
    rows,
    channels,
    heapPointer(backend, sums),
    heapPointer(backend, sums) + 8 * channels,
  );
  const s = new Float64Array(heapF32(backend, sums).buffer, heapPointer(backend, sums), 2 * channels);
  const xs = heapF32(backend, x);
  const [m, v, g, b, c] = [mean, variance, gamma, beta, coef].map((t) => heapF32(backend, t));
  for (let ch = 0; ch < channels; ch++) {
    const k = xs[ch];
    const d = s[ch] / rows;
    m[ch] = k + d;
    v[ch] = Math.max(0, s[channels + ch] / rows - d * d);
    c[ch] = g[ch] / Math.sqrt(v[ch] + eps);
    c[channels + ch] = b[ch] - m[ch] * c[ch];
  }
  const cp = heapPointer(backend, coef);
  (elu ? simd.affineElu : simd.affine)(
    heapPointer(backend, x),
    rows,
    channels,
    cp,
    cp + 4 * channels,
    heapPointer(backend, y),
  );
  release(backend, sums);
  release(backend, coef);
}

/** Batch-norm backward with the SIMD loops (same algebra as normaliseBackward). */
function backwardSimd(
  simd: SimdKernels,
  backend: BackendWasm,
  dy: Info,
  x: Info,
  mean: Info,
  variance: Info,
  gamma: Info,
  eps: number,
  y: Info | undefined,
  dx: Info,
  dGamma: Info,
  dBeta: Info,
): void {
  const { channels, rows, sums, coef } = scratch(backend, x, 3); // coef: a, b, d
  const sp = heapPointer(backend, sums);
  // With the ELU, its output y comes right after dy in both loops' arguments.
  const head = [heapPointer(backend, dy), ...(y === undefined ? [] : [heapPointer(backend, y)])];
  (y === undefined ? simd.gradSums : simd.gradSumsElu)(
    ...(head as [number, number]),
    heapPointer(backend, x),
    heapPointer(backend, mean),
    rows,
    channels,
    sp,
    sp + 8 * channels,
  );
  const s = new Float64Array(heapF32(backend, sums).buffer, sp, 2 * channels);
  const [m, v, g, c, dg, db] = [mean, variance, gamma, coef, dGamma, dBeta].map((t) => heapF32(backend, t));
  for (let ch = 0; ch < channels; ch++) {
    const sDy = s[ch];
    const sDyX = s[channels + ch];
    const invStd = 1 / Math.sqrt(v[ch] + eps);
    db[ch] = sDy;
    dg[ch] = sDyX * invStd;
    const a = g[ch] * invStd;
    const b = (-a * invStd * invStd * sDyX) / rows;
    c[ch] = a;
    c[channels + ch] = b;
    c[2 * channels + ch] = (-a * sDy) / rows - b * m[ch];
  }
  const cp = heapPointer(backend, coef);
  (y === undefined ? simd.gradAffine : simd.gradAffineElu)(
    ...(head as [number, number]),
    heapPointer(backend, x),
    rows,
    channels,
    cp,
    cp + 4 * channels,
    cp + 8 * channels,
    heapPointer(backend, dx),
  );
  release(backend, sums);
  release(backend, coef);
}

function requireFloat(kernel: string, inputs: Record<string, Info>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  }
}

/** ELU (alpha 1) in place, as tfjs computes it: x where x > 0, e^x - 1 elsewhere. */
export function eluInPlace(y: Float32Array): void {
  for (let i = 0; i < y.length; i++) if (!(y[i] > 0)) y[i] = Math.exp(y[i]) - 1;
}

type Attrs = { varianceEpsilon: number; activation?: BatchNormActivation };

export function batchNormTrainingKernel(args: {
  inputs: { x: Info; gamma: Info; beta: Info };
  backend: BackendWasm;
  attrs: Attrs;
}): Info[] {
  const { inputs, backend, attrs } = args;
  requireFloat(BATCH_NORM_TRAINING, inputs);
  const { x, gamma, beta } = inputs;
  const channels = x.shape[x.shape.length - 1];
  const y = allocate(backend, x.shape);
  const mean = allocate(backend, [channels]);
  const variance = allocate(backend, [channels]);
  const simd = simdFor(backend, channels);
  const elu = attrs.activation === 'elu';
  if (simd) {
    forwardSimd(simd, backend, x, gamma, beta, attrs.varianceEpsilon, elu, y, mean, variance);
    return [y, mean, variance];
  }
  const xs = heapF32(backend, x);
  const [m, v] = [heapF32(backend, mean), heapF32(backend, variance)];
  channelMoments(xs, channels, m, v);
  normalise(
    xs,
    m,
    v,
    heapF32(backend, gamma),
    heapF32(backend, beta),
    attrs.varianceEpsilon,
    heapF32(backend, y),
  );
  if (elu) eluInPlace(heapF32(backend, y));
  return [y, mean, variance];
}

export function batchNormTrainingGradKernel(args: {
  inputs: { dy: Info; x: Info; mean: Info; variance: Info; gamma: Info; y?: Info };
  backend: BackendWasm;
  attrs: Attrs;
}): Info[] {
  const { inputs, backend, attrs } = args;
  requireFloat(BATCH_NORM_TRAINING_GRAD, inputs as Record<string, Info>);
  const { dy, x, mean, variance, gamma } = inputs;
  const y = attrs.activation === 'elu' ? inputs.y : undefined;
  if (attrs.activation === 'elu' && y === undefined) {
    throw new Error(`${BATCH_NORM_TRAINING_GRAD}: activation 'elu' needs the forward output y`);
  }
  const channels = x.shape[x.shape.length - 1];
  const dx = allocate(backend, x.shape);
  const dGamma = allocate(backend, [channels]);
  const dBeta = allocate(backend, [channels]);
  const simd = simdFor(backend, channels);
  if (simd) {
    backwardSimd(simd, backend, dy, x, mean, variance, gamma, attrs.varianceEpsilon, y, dx, dGamma, dBeta);
    return [dx, dGamma, dBeta];
  }
  // Without the SIMD loops: the gradient through the ELU first (into dx, overwritten below).
  let dyValues = heapF32(backend, dy);
  if (y !== undefined) {
    const [dz, ys, g] = [dyValues, heapF32(backend, y), heapF32(backend, dx)];
    for (let i = 0; i < g.length; i++) g[i] = ys[i] >= 0 ? dz[i] : dz[i] * (ys[i] + 1);
    dyValues = g.slice();
  }
  normaliseBackward(
    dyValues,
    heapF32(backend, x),
    heapF32(backend, mean),
    heapF32(backend, variance),
    heapF32(backend, gamma),
    attrs.varianceEpsilon,
    heapF32(backend, dx),
    heapF32(backend, dGamma),
    heapF32(backend, dBeta),
  );
  return [dx, dGamma, dBeta];
}

export const batchNormTrainingConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  backendName: 'wasm',
  kernelFunc: batchNormTrainingKernel as unknown as tf.KernelFunc,
};

export const batchNormTrainingGradConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormTrainingGradKernel as unknown as tf.KernelFunc,
};
