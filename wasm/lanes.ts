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

// e^x for x in float32 range (clamped to [-87, 88]): 2^n * p(r), r = x - n ln 2, |r| <= ln2 / 2,
// p the degree-6 Taylor polynomial (relative error below 2e-7). n is rounded by adding 1.5 * 2^23,
// whose float bits then hold n in their low bits: (bits + 127) << 23 is 2^n. pmin/pmax and these
// bit tricks keep every step one machine instruction (min/max/trunc_sat with IEEE NaN rules are not).
@inline export function expv(v: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(v, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const magic = f32x4.splat(12582912.0);
  const t = mac(magic, x, f32x4.splat(1.4426950408889634));
  const n = f32x4.sub(t, magic);
  const r = f32x4.sub(
    f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145751953125))),
    f32x4.mul(n, f32x4.splat(1.428606765330187e-6)),
  );
  let p = f32x4.splat(1.0 / 720.0);
  p = mac(f32x4.splat(1.0 / 120.0), p, r);
  p = mac(f32x4.splat(1.0 / 24.0), p, r);
  p = mac(f32x4.splat(1.0 / 6.0), p, r);
  p = mac(f32x4.splat(0.5), p, r);
  p = mac(f32x4.splat(1.0), p, r);
  p = mac(f32x4.splat(1.0), p, r);
  return f32x4.mul(p, i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23));
}
