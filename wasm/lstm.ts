// AssemblyScript source of the LSTM sequence loops of src/node/kernels/Lstm.ts (the kernels of
// src/core/models/lstm-training.ts): the recurrence forward and back-propagation through time,
// each step's matrix product (4x8 register tiles) and cell arithmetic (4 units at a time) in
// SIMD. Same conventions as batch-norm.ts: pointers are byte offsets into the tfjs heap, no memory
// of its own. Gates are ordered i, f, g, o (tfjs's LSTM); units U a multiple of 4.

import { expv, mac } from './lanes';

// c [m, n] = a [m, k] @ b [k, n], row-major, n a multiple of 8.
export function matMulRows(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const nBytes = <usize>n << 2;
  const kBytes = <usize>k << 2;
  let r = 0;
  for (; r + 4 <= m; r += 4) {
    const a0 = a + <usize>r * kBytes;
    const c0 = c + <usize>r * nBytes;
    for (let j = 0; j < n; j += 8) {
      let p0 = f32x4.splat(0), q0 = f32x4.splat(0), p1 = f32x4.splat(0), q1 = f32x4.splat(0);
      let p2 = f32x4.splat(0), q2 = f32x4.splat(0), p3 = f32x4.splat(0), q3 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let kk = 0; kk < k; kk++) {
        const w0 = v128.load(bp);
        const w1 = v128.load(bp, 16);
        const ap = a0 + (<usize>kk << 2);
        const x0 = v128.load32_splat(ap);
        const x1 = v128.load32_splat(ap + kBytes);
        const x2 = v128.load32_splat(ap + 2 * kBytes);
        const x3 = v128.load32_splat(ap + 3 * kBytes);
        p0 = mac(p0, x0, w0);
        q0 = mac(q0, x0, w1);
        p1 = mac(p1, x1, w0);
        q1 = mac(q1, x1, w1);
        p2 = mac(p2, x2, w0);
        q2 = mac(q2, x2, w1);
        p3 = mac(p3, x3, w0);
        q3 = mac(q3, x3, w1);
        bp += nBytes;
      }
      const o = c0 + (<usize>j << 2);
      v128.store(o, p0);
      v128.store(o, q0, 16);
      v128.store(o + nBytes, p1);
      v128.store(o + nBytes, q1, 16);
      v128.store(o + 2 * nBytes, p2);
      v128.store(o + 2 * nBytes, q2, 16);
      v128.store(o + 3 * nBytes, p3);
      v128.store(o + 3 * nBytes, q3, 16);
    }
  }
  for (; r < m; r++) {
    const a0 = a + <usize>r * kBytes;
    const c0 = c + <usize>r * nBytes;
    for (let j = 0; j < n; j += 8) {
      let p0 = f32x4.splat(0), q0 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let kk = 0; kk < k; kk++) {
        const x0 = v128.load32_splat(a0 + (<usize>kk << 2));
        p0 = mac(p0, x0, v128.load(bp));
        q0 = mac(q0, x0, v128.load(bp, 16));
        bp += nBytes;
      }
      v128.store(c0 + (<usize>j << 2), p0);
      v128.store(c0 + (<usize>j << 2), q0, 16);
    }
  }
}

// tanh x = 1 - 2 / (e^(2x) + 1).
@inline function tanhv(x: v128): v128 {
  const e = expv(f32x4.add(x, x));
  return f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
}

// The recurrent activation: hard sigmoid clamp(0.2 z + 0.5, 0, 1) (hard != 0) or 1 / (1 + e^-z).
@inline function actv(z: v128, hard: i32): v128 {
  if (hard) {
    return f32x4.max(f32x4.splat(0.0), f32x4.min(f32x4.splat(1.0), mac(f32x4.splat(0.5), z, f32x4.splat(0.2))));
  }
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expv(f32x4.neg(z))));
}

// Its derivative from its output a: 0.2 inside (0, 1) for the hard sigmoid, a (1 - a) otherwise.
@inline function slopev(a: v128, hard: i32): v128 {
  if (hard) {
    const inside = v128.and(f32x4.gt(a, f32x4.splat(0.0)), f32x4.lt(a, f32x4.splat(1.0)));
    return v128.and(inside, f32x4.splat(0.2));
  }
  return f32x4.mul(a, f32x4.sub(f32x4.splat(1.0), a));
}

// Forward over T steps from zero state. xw [B, T, 4U] (input projection plus bias), uk [U, 4U];
// writes gates [T, B, 4U] (i, f, g, o after their activations), cells [T, B, U], hPrev [T, B, U]
// (the state each step starts from) and h [B, U] (the last state); c [B, U] and rec [B, 4U] scratch.
export function lstmForward(
  xw: usize, uk: usize, batch: i32, steps: i32, units: i32, hard: i32,
  gates: usize, cells: usize, hPrev: usize, h: usize, c: usize, rec: usize,
): void {
  const four = 4 * units;
  const uBytes = <usize>units << 2;
  const stateBytes = <usize>batch * uBytes;
  memory.fill(h, 0, stateBytes);
  memory.fill(c, 0, stateBytes);
  for (let t = 0; t < steps; t++) {
    matMulRows(h, uk, rec, batch, units, four);
    memory.copy(hPrev + <usize>t * stateBytes, h, stateBytes);
    for (let b = 0; b < batch; b++) {
      const x0 = xw + ((<usize>b * <usize>steps + <usize>t) * <usize>four << 2);
      const r0 = rec + (<usize>b * <usize>four << 2);
      const g0 = gates + ((<usize>t * <usize>batch + <usize>b) * <usize>four << 2);
      const c0 = cells + (<usize>t * <usize>batch + <usize>b) * uBytes;
      const s0 = <usize>b * uBytes;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const i = actv(f32x4.add(v128.load(x0 + o), v128.load(r0 + o)), hard);
        const f = actv(f32x4.add(v128.load(x0 + uBytes + o), v128.load(r0 + uBytes + o)), hard);
        const g = tanhv(f32x4.add(v128.load(x0 + 2 * uBytes + o), v128.load(r0 + 2 * uBytes + o)));
        const og = actv(f32x4.add(v128.load(x0 + 3 * uBytes + o), v128.load(r0 + 3 * uBytes + o)), hard);
        const cell = mac(f32x4.mul(i, g), f, v128.load(c + s0 + o));
        v128.store(c + s0 + o, cell);
        v128.store(h + s0 + o, f32x4.mul(og, tanhv(cell)));
        v128.store(g0 + o, i);
        v128.store(g0 + uBytes + o, f);
        v128.store(g0 + 2 * uBytes + o, g);
        v128.store(g0 + 3 * uBytes + o, og);
        v128.store(c0 + o, cell);
      }
    }
  }
}

// Back-propagation through time. dhCur [B, U]: the gradient of the last state on entry (scratch:
// overwritten); uT [4U, U] (uk transposed); gates, cells as written by lstmForward. Writes
// dxw [B, T, 4U] and dZ [T, B, 4U] (the gate pre-activation gradients); dzt [B, 4U] and dc [B, U] scratch.
export function lstmBackward(
  dhCur: usize, uT: usize, gates: usize, cells: usize, batch: i32, steps: i32, units: i32, hard: i32,
  dxw: usize, dZ: usize, dzt: usize, dc: usize,
): void {
  const four = 4 * units;
  const uBytes = <usize>units << 2;
  const stateBytes = <usize>batch * uBytes;
  const gateRowBytes = <usize>four << 2;
  memory.fill(dc, 0, stateBytes);
  const one = f32x4.splat(1.0);
  for (let t = steps - 1; t >= 0; t--) {
    for (let b = 0; b < batch; b++) {
      const g0 = gates + (<usize>t * <usize>batch + <usize>b) * gateRowBytes;
      const c0 = cells + (<usize>t * <usize>batch + <usize>b) * uBytes;
      const x0 = dxw + (<usize>b * <usize>steps + <usize>t) * gateRowBytes;
      const z0 = dzt + <usize>b * gateRowBytes;
      const s0 = <usize>b * uBytes;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const i = v128.load(g0 + o);
        const f = v128.load(g0 + uBytes + o);
        const g = v128.load(g0 + 2 * uBytes + o);
        const og = v128.load(g0 + 3 * uBytes + o);
        const tc = tanhv(v128.load(c0 + o));
        const cPrev = t > 0 ? v128.load(c0 - stateBytes + o) : f32x4.splat(0.0);
        const dh = v128.load(dhCur + s0 + o);
        const dC = mac(v128.load(dc + s0 + o), f32x4.mul(dh, og), f32x4.sub(one, f32x4.mul(tc, tc)));
        const dzi = f32x4.mul(f32x4.mul(dC, g), slopev(i, hard));
        const dzf = f32x4.mul(f32x4.mul(dC, cPrev), slopev(f, hard));
        const dzg = f32x4.mul(f32x4.mul(dC, i), f32x4.sub(one, f32x4.mul(g, g)));
        const dzo = f32x4.mul(f32x4.mul(dh, tc), slopev(og, hard));
        v128.store(z0 + o, dzi);
        v128.store(z0 + uBytes + o, dzf);
        v128.store(z0 + 2 * uBytes + o, dzg);
        v128.store(z0 + 3 * uBytes + o, dzo);
        v128.store(x0 + o, dzi);
        v128.store(x0 + uBytes + o, dzf);
        v128.store(x0 + 2 * uBytes + o, dzg);
        v128.store(x0 + 3 * uBytes + o, dzo);
        v128.store(dc + s0 + o, f32x4.mul(dC, f));
      }
    }
    memory.copy(dZ + <usize>t * <usize>batch * gateRowBytes, dzt, <usize>batch * gateRowBytes);
    if (t > 0) matMulRows(dzt, uT, dhCur, batch, four, units);
  }
}
