// AssemblyScript source of the direct filter gradient of src/node/kernels/Conv2DBackpropFilter.ts
// for convolutions with one input channel and few taps (cnn2d-lstm's first 3x3 conv): im2col and
// a matrix product with 9 rows waste most of their time there. Same conventions as
// batch-norm.ts: pointers are byte offsets into the tfjs heap, no memory of its own.
//
// dW[tap, f] = Σ_{n, oy, ox} x[n, oy*SH - PT + kh*DH, ox*SW - PL + kw*DW] * dy[n, oy, ox, f]
// (x [N, H, W, 1], dy [N, OH, OW, F] with F a multiple of 4, taps kh*FW + kw; x outside the
// image counts as 0). Sums run in float32 per image (acc: taps*F f32) and are added across
// images in float64 (out: taps*F f64, zeroed here).
export function filterGradOneChannel(
  x: usize, n: i32, h: i32, w: i32,
  dy: usize, oh: i32, ow: i32, f: i32,
  fh: i32, fw: i32, sh: i32, sw: i32, pt: i32, pl: i32, dh: i32, dw: i32,
  acc: usize, out: usize,
): void {
  const taps = fh * fw;
  const total = taps * f;
  for (let i = 0; i < total; i++) store<f64>(out + (<usize>i << 3), 0);
  const rowBytes = <usize>f << 2;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < total; i += 4) v128.store(acc + (<usize>i << 2), f32x4.splat(0));
    const xImage = x + ((<usize>b * <usize>h * <usize>w) << 2);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const g = dy + ((<usize>b * <usize>oh + <usize>oy) * <usize>ow + <usize>ox) * rowBytes;
        for (let kh = 0; kh < fh; kh++) {
          const iy = oy * sh - pt + kh * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kw = 0; kw < fw; kw++) {
            const ix = ox * sw - pl + kw * dw;
            if (ix < 0 || ix >= w) continue;
            const v = f32x4.splat(load<f32>(xImage + ((<usize>iy * <usize>w + <usize>ix) << 2)));
            const a = acc + <usize>(kh * fw + kw) * rowBytes;
            for (let c = 0; c < f; c += 4) {
              const off = <usize>c << 2;
              v128.store(a + off, f32x4.add(v128.load(a + off), f32x4.mul(v, v128.load(g + off))));
            }
          }
        }
      }
    }
    for (let i = 0; i < total; i++) {
      const o = out + (<usize>i << 3);
      store<f64>(o, load<f64>(o) + <f64>load<f32>(acc + (<usize>i << 2)));
    }
  }
}
