// AssemblyScript source of the SIMD batch-norm loops of src/node/kernels/BatchNormTraining.ts
// (compiled by `npm run build:wasm` to wasm/build/kernels.wasm). The module imports the tfjs wasm
// backend's own memory and works on its tensors in place: every pointer is a byte offset into
// that heap, every scratch buffer is allocated by the caller through tfjs, and the module has no
// data, heap or stack of its own (runtime stub, no allocation), so it never writes outside the
// buffers it is given. x is [rows, C] row-major (channels last) with C a multiple of 4.

import { accumulate, expv, high, low, zero2 } from './lanes';

// Per-channel sums of (x - k) and (x - k)^2, k = the first row, in float64 (s1, s2: C f64 each).
export function moments(x: usize, rows: i32, channels: i32, s1: usize, s2: usize): void {
  const rowBytes = <usize>channels << 2;
  zero2(s1, s2, channels);
  for (let r = 0; r < rows; r++) {
    const p = x + <usize>r * rowBytes;
    for (let c = 0; c < channels; c += 4) {
      const off = <usize>c << 2;
      const d = f32x4.sub(v128.load(p + off), v128.load(x + off));
      const lo = low(d);
      const hi = high(d);
      accumulate(s1 + (<usize>c << 3), lo, hi);
      accumulate(s2 + (<usize>c << 3), f64x2.mul(lo, lo), f64x2.mul(hi, hi));
    }
  }
}

// y = x * scale[c] + shift[c] (scale, shift: C f32 each).
export function affine(x: usize, rows: i32, channels: i32, scale: usize, shift: usize, y: usize): void {
  const rowBytes = <usize>channels << 2;
  for (let r = 0; r < rows; r++) {
    const p = <usize>r * rowBytes;
    for (let c = 0; c < channels; c += 4) {
      const off = <usize>c << 2;
      v128.store(y + p + off, f32x4.add(f32x4.mul(v128.load(x + p + off), v128.load(scale + off)), v128.load(shift + off)));
    }
  }
}

// Per-channel sums of dy and dy * (x - mean) in float64 (sDy, sDyX: C f64 each).
export function gradSums(dy: usize, x: usize, mean: usize, rows: i32, channels: i32, sDy: usize, sDyX: usize): void {
  const rowBytes = <usize>channels << 2;
  zero2(sDy, sDyX, channels);
  for (let r = 0; r < rows; r++) {
    const p = <usize>r * rowBytes;
    for (let c = 0; c < channels; c += 4) {
      const off = <usize>c << 2;
      const g = v128.load(dy + p + off);
      const xm = f32x4.sub(v128.load(x + p + off), v128.load(mean + off));
      const gLo = low(g);
      const gHi = high(g);
      accumulate(sDy + (<usize>c << 3), gLo, gHi);
      accumulate(sDyX + (<usize>c << 3), f64x2.mul(gLo, low(xm)), f64x2.mul(gHi, high(xm)));
    }
  }
}

// dx = a[c] * dy + b[c] * x + d[c] (a, b, d: C f32 each).
export function gradAffine(dy: usize, x: usize, rows: i32, channels: i32, a: usize, b: usize, d: usize, dx: usize): void {
  const rowBytes = <usize>channels << 2;
  for (let r = 0; r < rows; r++) {
    const p = <usize>r * rowBytes;
    for (let c = 0; c < channels; c += 4) {
      const off = <usize>c << 2;
      const v = f32x4.add(
        f32x4.add(f32x4.mul(v128.load(a + off), v128.load(dy + p + off)), f32x4.mul(v128.load(b + off), v128.load(x + p + off))),
        v128.load(d + off),
      );
      v128.store(dx + p + off, v);
    }
  }
}

// ELU (alpha 1) of four lanes: u where u > 0, e^u - 1 elsewhere.
@inline function eluv(u: v128): v128 {
  return v128.bitselect(u, f32x4.sub(expv(u), f32x4.splat(1.0)), f32x4.gt(u, f32x4.splat(0.0)));
}

// The gradient through an ELU from its output y: dy where y >= 0, dy * (y + 1) elsewhere.
@inline function eluGradv(dy: v128, y: v128): v128 {
  return v128.bitselect(dy, f32x4.mul(dy, f32x4.add(y, f32x4.splat(1.0))), f32x4.ge(y, f32x4.splat(0.0)));
}

// y = elu(x * scale[c] + shift[c]): batch norm and the ELU after it in one pass.
export function affineElu(x: usize, rows: i32, channels: i32, scale: usize, shift: usize, y: usize): void {
  const rowBytes = <usize>channels << 2;
  for (let r = 0; r < rows; r++) {
    const p = <usize>r * rowBytes;
    for (let c = 0; c < channels; c += 4) {
      const off = <usize>c << 2;
      v128.store(y + p + off, eluv(f32x4.add(f32x4.mul(v128.load(x + p + off), v128.load(scale + off)), v128.load(shift + off))));
    }
  }
}

// gradSums with dy = the gradient through the ELU of dz, the gradient of its output y.
export function gradSumsElu(dz: usize, y: usize, x: usize, mean: usize, rows: i32, channels: i32, sDy: usize, sDyX: usize): void {
  const rowBytes = <usize>channels << 2;
  zero2(sDy, sDyX, channels);
  for (let r = 0; r < rows; r++) {
    const p = <usize>r * rowBytes;
    for (let c = 0; c < channels; c += 4) {
      const off = <usize>c << 2;
      const g = eluGradv(v128.load(dz + p + off), v128.load(y + p + off));
      const xm = f32x4.sub(v128.load(x + p + off), v128.load(mean + off));
      const gLo = low(g);
      const gHi = high(g);
      accumulate(sDy + (<usize>c << 3), gLo, gHi);
      accumulate(sDyX + (<usize>c << 3), f64x2.mul(gLo, low(xm)), f64x2.mul(gHi, high(xm)));
    }
  }
}

// gradAffine with dy = the gradient through the ELU of dz, as in gradSumsElu.
export function gradAffineElu(dz: usize, y: usize, x: usize, rows: i32, channels: i32, a: usize, b: usize, d: usize, dx: usize): void {
  const rowBytes = <usize>channels << 2;
  for (let r = 0; r < rows; r++) {
    const p = <usize>r * rowBytes;
    for (let c = 0; c < channels; c += 4) {
      const off = <usize>c << 2;
      const g = eluGradv(v128.load(dz + p + off), v128.load(y + p + off));
      const v = f32x4.add(
        f32x4.add(f32x4.mul(v128.load(a + off), g), f32x4.mul(v128.load(b + off), v128.load(x + p + off))),
        v128.load(d + off),
      );
      v128.store(dx + p + off, v);
    }
  }
}
