/**
 * The two kernels of src/core/models/lstm-training.ts for the wasm backend: a whole LSTM
 * sequence forward, and its back-propagation through time, each as one kernel call. With units
 * a multiple of 8 each step (its matrix product h U or dz U^T and the cell arithmetic, tanh and
 * sigmoid by a SIMD exp) runs in the SIMD loops of wasm/lstm.ts; otherwise the cell arithmetic is
 * a JS loop over [batch, units] and the per-step products the built-in XNNPACK BatchMatMul
 * (which packed U again on every step). H^T dZ, once per sequence, is XNNPACK's in both.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  type LstmAttrs,
  type RecurrentActivation,
} from '../../core/models/lstm-training.js';
import { transpose2d } from './im2col.js';
import { allocate, heapF32, matMul, release } from './wasm-ops.js';
import { heapPointer, simdKernels } from './simd.js';

type Info = tf.TensorInfo;

function activation(kind: RecurrentActivation): (z: number) => number {
  return kind === 'sigmoid' ? (z) => 1 / (1 + Math.exp(-z)) : (z) => Math.min(1, Math.max(0, 0.2 * z + 0.5));
}

/** Derivative of the recurrent activation from its output a (hard sigmoid: 0.2 inside (0, 1)). */
function slope(kind: RecurrentActivation): (a: number) => number {
  return kind === 'sigmoid' ? (a) => a * (1 - a) : (a) => (a > 0 && a < 1 ? 0.2 : 0);
}

function checkFloat(kernel: string, inputs: Record<string, Info>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  }
}

export function lstmSequence(args: {
  inputs: { xw: Info; recurrentKernel: Info };
  backend: BackendWasm;
  attrs: LstmAttrs;
}): Info[] {
  const { inputs, backend, attrs } = args;
  checkFloat(LSTM_SEQUENCE, inputs);
  const { xw, recurrentKernel } = inputs;
  const [B, T, four] = xw.shape;
  const U = four / 4;
  const act = activation(attrs.recurrentActivation);
  const gates = allocate(backend, [T, B, four]);
  const cells = allocate(backend, [T, B, U]);
  const hPrev = allocate(backend, [T, B, U]);
  const h = allocate(backend, [B, U]);
  const simd = U % 8 === 0 ? simdKernels(backend) : null;
  if (simd !== null) {
    const scratch = [allocate(backend, [B, U]), allocate(backend, [B, four])];
    const p = (t: Info) => heapPointer(backend, t);
    simd.lstmForward(
      p(xw),
      p(recurrentKernel),
      B,
      T,
      U,
      attrs.recurrentActivation === 'hardSigmoid' ? 1 : 0,
      p(gates),
      p(cells),
      p(hPrev),
      p(h),
      ...scratch.map(p),
    );
    for (const t of scratch) release(backend, t);
    return [h, gates, cells, hPrev];
  }
  heapF32(backend, h).fill(0);
  const c = new Float32Array(B * U);
  for (let t = 0; t < T; t++) {
    const rec = matMul(backend, h, recurrentKernel, B, U, four);
    const [xv, rv, hv] = [heapF32(backend, xw), heapF32(backend, rec), heapF32(backend, h)];
    const [gv, cv, pv] = [heapF32(backend, gates), heapF32(backend, cells), heapF32(backend, hPrev)];
    pv.set(hv, t * B * U);
    for (let b = 0; b < B; b++) {
      const x0 = (b * T + t) * four;
      const r0 = b * four;
      const g0 = (t * B + b) * four;
      const c0 = (t * B + b) * U;
      for (let j = 0; j < U; j++) {
        const i = act(xv[x0 + j] + rv[r0 + j]);
        const f = act(xv[x0 + U + j] + rv[r0 + U + j]);
        const g = Math.tanh(xv[x0 + 2 * U + j] + rv[r0 + 2 * U + j]);
        const o = act(xv[x0 + 3 * U + j] + rv[r0 + 3 * U + j]);
        const cell = f * c[b * U + j] + i * g;
        c[b * U + j] = cell;
        hv[b * U + j] = o * Math.tanh(cell);
        gv[g0 + j] = i;
        gv[g0 + U + j] = f;
        gv[g0 + 2 * U + j] = g;
        gv[g0 + 3 * U + j] = o;
        cv[c0 + j] = c[b * U + j];
      }
    }
    release(backend, rec);
  }
  return [h, gates, cells, hPrev];
}

export function lstmSequenceGrad(args: {
  inputs: { dh: Info; recurrentKernel: Info; gates: Info; cells: Info; hPrev: Info };
  backend: BackendWasm;
  attrs: LstmAttrs;
}): Info[] {
  const { inputs, backend, attrs } = args;
  checkFloat(LSTM_SEQUENCE_GRAD, inputs);
  const { dh, recurrentKernel, gates, cells, hPrev } = inputs;
  const [T, B, U] = cells.shape;
  const four = 4 * U;
  const d = slope(attrs.recurrentActivation);
  const uT = allocate(backend, [four, U]);
  transpose2d(heapF32(backend, recurrentKernel), U, four, heapF32(backend, uT));
  const dxw = allocate(backend, [B, T, four]);
  const dZ = allocate(backend, [T, B, four]);
  const dzt = allocate(backend, [B, four]);
  const simd = U % 8 === 0 ? simdKernels(backend) : null;
  if (simd !== null) {
    const dhCopy = allocate(backend, [B, U]);
    heapF32(backend, dhCopy).set(heapF32(backend, dh));
    const dc = allocate(backend, [B, U]);
    const p = (t: Info) => heapPointer(backend, t);
    simd.lstmBackward(
      p(dhCopy),
      p(uT),
      p(gates),
      p(cells),
      B,
      T,
      U,
      attrs.recurrentActivation === 'hardSigmoid' ? 1 : 0,
      p(dxw),
      p(dZ),
      p(dzt),
      p(dc),
    );
    release(backend, dhCopy);
    release(backend, dc);
    return [dxw, recurrentGradient(backend, hPrev, dZ, T, B, U, [uT, dZ, dzt])];
  }
  const dhCur = new Float32Array(heapF32(backend, dh));
  const dc = new Float32Array(B * U);
  for (let t = T - 1; t >= 0; t--) {
    const [gv, cv, zv, xv] = [
      heapF32(backend, gates),
      heapF32(backend, cells),
      heapF32(backend, dzt),
      heapF32(backend, dxw),
    ];
    for (let b = 0; b < B; b++) {
      const g0 = (t * B + b) * four;
      const c0 = (t * B + b) * U;
      const x0 = (b * T + t) * four;
      const z0 = b * four;
      for (let j = 0; j < U; j++) {
        const [i, f, g, o] = [gv[g0 + j], gv[g0 + U + j], gv[g0 + 2 * U + j], gv[g0 + 3 * U + j]];
        const tc = Math.tanh(cv[c0 + j]);
        const cPrev = t > 0 ? cv[c0 - B * U + j] : 0;
        const dhv = dhCur[b * U + j];
        const dC = dc[b * U + j] + dhv * o * (1 - tc * tc);
        const dzi = dC * g * d(i);
        const dzf = dC * cPrev * d(f);
        const dzg = dC * i * (1 - g * g);
        const dzo = dhv * tc * d(o);
        zv[z0 + j] = xv[x0 + j] = dzi;
        zv[z0 + U + j] = xv[x0 + U + j] = dzf;
        zv[z0 + 2 * U + j] = xv[x0 + 2 * U + j] = dzg;
        zv[z0 + 3 * U + j] = xv[x0 + 3 * U + j] = dzo;
        dc[b * U + j] = dC * f;
      }
    }
    heapF32(backend, dZ).set(heapF32(backend, dzt), t * B * four);
    if (t > 0) {
      const dhNext = matMul(backend, dzt, uT, B, four, U);
      dhCur.set(heapF32(backend, dhNext));
      release(backend, dhNext);
    }
  }
  return [dxw, recurrentGradient(backend, hPrev, dZ, T, B, U, [uT, dZ, dzt])];
}

/** dU = H_prev^T [U, T*B] @ dZ [T*B, 4U]; releases `temporaries` after. */
function recurrentGradient(
  backend: BackendWasm,
  hPrev: Info,
  dZ: Info,
  T: number,
  B: number,
  U: number,
  temporaries: Info[],
): Info {
  const hT = allocate(backend, [U, T * B]);
  transpose2d(heapF32(backend, hPrev), T * B, U, heapF32(backend, hT));
  const dU = matMul(backend, hT, dZ, U, T * B, 4 * U);
  for (const tmp of [...temporaries, hT]) release(backend, tmp);
  return dU;
}

export const lstmSequenceConfig: tf.KernelConfig = {
  kernelName: LSTM_SEQUENCE,
  backendName: 'wasm',
  kernelFunc: lstmSequence as unknown as tf.KernelFunc,
};

export const lstmSequenceGradConfig: tf.KernelConfig = {
  kernelName: LSTM_SEQUENCE_GRAD,
  backendName: 'wasm',
  kernelFunc: lstmSequenceGrad as unknown as tf.KernelFunc,
};
