// SIMD helpers shared by the AssemblyScript kernels in wasm/ (inlined; not exported from the module).

// The low and high two lanes of a f32x4, widened to f64x2.
@inline export function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
@inline export function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

// acc[0..3] += (lo, hi) for four float64 accumulators at byte offset acc.
@inline export function accumulate(acc: usize, lo: v128, hi: v128): void {
  v128.store(acc, f64x2.add(v128.load(acc), lo));
  v128.store(acc, f64x2.add(v128.load(acc, 16), hi), 16);
}

// Zeroes two arrays of `channels` float64.
@inline export function zero2(a: usize, b: usize, channels: i32): void {
  for (let c = 0; c < channels; c += 2) {
    v128.store(a + (<usize>c << 3), f64x2.splat(0));
    v128.store(b + (<usize>c << 3), f64x2.splat(0));
  }
}

// a + x * d, four lanes (no fused multiply-add in wasm SIMD).
@inline export function mac(a: v128, x: v128, d: v128): v128 {
  return f32x4.add(a, f32x4.mul(x, d));
}
