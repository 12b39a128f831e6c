// AssemblyScript source of the SIMD MaxPoolGrad of src/node/kernels/MaxPoolGrad.ts for pools
// whose windows tile the input (stride = window, no padding): one pass over x in memory order;
// each value equal to its window's maximum y takes the window's gradient dy unless an earlier
// one (row-then-column order) took it: the cpu backend's first-maximum rule. Same conventions
// as batch-norm.ts. x, dx [N, H, W, C]; y, dy [N, OH, OW, C]; C a multiple of 4; taken: one
// i32 per element of y (scratch, zeroed here); dx rows and columns past the last whole window
// are left as they are (the caller zeroes dx).
export function maxPoolGradTiled(
  x: usize, y: usize, dy: usize, n: i32, h: i32, w: i32, c: i32,
  oh: i32, ow: i32, sh: i32, sw: i32, taken: usize, dx: usize,
): void {
  const outCount = <usize>n * <usize>oh * <usize>ow * <usize>c;
  for (let i: usize = 0; i < outCount; i += 4) v128.store(taken + (i << 2), i32x4.splat(0));
  const pixelBytes = <usize>c << 2;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < oh * sh; iy++) {
      const rowOut = (<usize>b * <usize>oh + <usize>(iy / sh)) * <usize>ow;
      const rowIn = (<usize>b * <usize>h + <usize>iy) * <usize>w;
      for (let ix = 0; ix < ow * sw; ix++) {
        const p = (rowIn + <usize>ix) * pixelBytes;
        const q = (rowOut + <usize>(ix / sw)) * pixelBytes;
        for (let k = 0; k < c; k += 4) {
          const off = <usize>k << 2;
          const t = v128.load(taken + q + off);
          const hit = v128.andnot(f32x4.eq(v128.load(x + p + off), v128.load(y + q + off)), t);
          v128.store(dx + p + off, v128.and(hit, v128.load(dy + q + off)));
          v128.store(taken + q + off, v128.or(t, hit));
        }
      }
    }
  }
}
