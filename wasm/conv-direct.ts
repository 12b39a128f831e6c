// AssemblyScript source of the direct convolution loops of src/node/kernels/conv-direct.ts:
// the filter gradient of any NHWC conv2d, and the forward pass of the one-input-channel convs
// (the first layer of cnn2d-lstm and of cnn1d-lstm), without building an im2col matrix. Same
// conventions as batch-norm.ts: pointers are byte offsets into the tfjs heap, no memory of its own.
//
// Each image is first copied into a zero-padded scratch image xpad [hp, wp, c] (pt rows and pl
// columns of zeros before it, zeros after it), so every tap of every output position lies inside
// xpad. A filter tap k = (kh, kw, ci) (the filter's [kh, kw, c, f] order) then sits at a fixed
// byte offset offs[k] (i32, computed by the caller: ((kh*dh)*wp + kw*dw)*c + ci, times 4) from
// the position of output (oy, ox) in xpad: (oy*sh*wp + ox*sw)*c floats. f is a multiple of 8.
//
// Both loops take (x, n, h, w, c, oh, ow, f, sh, sw, pt, pl, hp, wp, offs, taps, xpad) first.
// Register tiles: 4 taps x 8 output channels for the filter gradient (sums over positions),
// 4 positions x 8 output channels for the forward pass (sums over taps); f32 sums.

import { mac } from './lanes';

// Output positions per block of the filter gradient (its dy rows stay in cache across taps).
const BLOCK: i32 = 128;

// xpad <- image b of x [n, h, w, c], zero-padded to [hp, wp, c] with pt rows and pl columns before.
function padImage(x: usize, b: i32, h: i32, w: i32, c: i32, pt: i32, pl: i32, hp: i32, wp: i32, xpad: usize): void {
  const rowBytes = <usize>w * <usize>c << 2;
  const padRowBytes = <usize>wp * <usize>c << 2;
  memory.fill(xpad, 0, <usize>hp * padRowBytes);
  const image = x + <usize>b * <usize>h * rowBytes;
  const left = <usize>pl * <usize>c << 2;
  for (let y = 0; y < h; y++) {
    memory.copy(xpad + <usize>(y + pt) * padRowBytes + left, image + <usize>y * rowBytes, rowBytes);
  }
}

// acc[k0 + i, f0 .. f0+7] += (lo_i, hi_i), rows of f floats.
@inline function addRow(acc: usize, lo: v128, hi: v128): void {
  v128.store(acc, f32x4.add(v128.load(acc), lo));
  v128.store(acc, f32x4.add(v128.load(acc, 16), hi), 16);
}

// dW[k, j] = sum over images, output positions m of xpad[pos(m) + tap k] * dy[m, j], written to
// out (taps*f f64, zeroed here); acc: taps*f f32 scratch (one image's sums), xpad: hp*wp*c f32.
export function filterGradDirect(
  x: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, f: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, hp: i32, wp: i32, offs: usize, taps: i32, xpad: usize,
  dy: usize, acc: usize, out: usize,
): void {
  const total = taps * f;
  for (let i = 0; i < total; i++) store<f64>(out + (<usize>i << 3), 0);
  const fBytes = <usize>f << 2;
  const rowStep = <usize>sh * <usize>wp * <usize>c << 2;
  const colStep = <usize>sw * <usize>c << 2;
  const rowsPerBlock = ow >= BLOCK ? 1 : BLOCK / ow;
  const colsPerBlock = ow >= BLOCK ? BLOCK : ow;
  for (let b = 0; b < n; b++) {
    padImage(x, b, h, w, c, pt, pl, hp, wp, xpad);
    memory.fill(acc, 0, <usize>total << 2);
    for (let oy0 = 0; oy0 < oh; oy0 += rowsPerBlock) {
      const oy1 = min(oh, oy0 + rowsPerBlock);
      for (let ox0 = 0; ox0 < ow; ox0 += colsPerBlock) {
        const ox1 = min(ow, ox0 + colsPerBlock);
        for (let f0 = 0; f0 < f; f0 += 8) {
          const g0 = dy + (<usize>b * <usize>oh * <usize>ow) * fBytes + (<usize>f0 << 2);
          let k = 0;
          for (; k + 4 <= taps; k += 4) {
            const o0 = <usize>load<i32>(offs + (<usize>k << 2));
            const o1 = <usize>load<i32>(offs + (<usize>k << 2), 4);
            const o2 = <usize>load<i32>(offs + (<usize>k << 2), 8);
            const o3 = <usize>load<i32>(offs + (<usize>k << 2), 12);
            let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
            let a1 = f32x4.splat(0), b1 = f32x4.splat(0);
            let a2 = f32x4.splat(0), b2 = f32x4.splat(0);
            let a3 = f32x4.splat(0), b3 = f32x4.splat(0);
            for (let oy = oy0; oy < oy1; oy++) {
              let p = xpad + <usize>oy * rowStep + <usize>ox0 * colStep;
              let g = g0 + (<usize>oy * <usize>ow + <usize>ox0) * fBytes;
              for (let ox = ox0; ox < ox1; ox++) {
                const d0 = v128.load(g);
                const d1 = v128.load(g, 16);
                const x0 = v128.load32_splat(p + o0);
                const x1 = v128.load32_splat(p + o1);
                const x2 = v128.load32_splat(p + o2);
                const x3 = v128.load32_splat(p + o3);
                a0 = mac(a0, x0, d0);
                b0 = mac(b0, x0, d1);
                a1 = mac(a1, x1, d0);
                b1 = mac(b1, x1, d1);
                a2 = mac(a2, x2, d0);
                b2 = mac(b2, x2, d1);
                a3 = mac(a3, x3, d0);
                b3 = mac(b3, x3, d1);
                p += colStep;
                g += fBytes;
              }
            }
            const a = acc + <usize>k * fBytes + (<usize>f0 << 2);
            addRow(a, a0, b0);
            addRow(a + fBytes, a1, b1);
            addRow(a + 2 * fBytes, a2, b2);
            addRow(a + 3 * fBytes, a3, b3);
          }
          for (; k < taps; k++) {
            const o0 = <usize>load<i32>(offs + (<usize>k << 2));
            let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
            for (let oy = oy0; oy < oy1; oy++) {
              let p = xpad + <usize>oy * rowStep + <usize>ox0 * colStep;
              let g = g0 + (<usize>oy * <usize>ow + <usize>ox0) * fBytes;
              for (let ox = ox0; ox < ox1; ox++) {
                const x0 = v128.load32_splat(p + o0);
                a0 = mac(a0, x0, v128.load(g));
                b0 = mac(b0, x0, v128.load(g, 16));
                p += colStep;
                g += fBytes;
              }
            }
            addRow(acc + <usize>k * fBytes + (<usize>f0 << 2), a0, b0);
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

// y[b, oy, ox, j] = bias[j] + sum over taps k of xpad[pos(oy, ox) + tap k] * wt[k, j]
// (wt [taps, f], bias f floats, y [n, oh, ow, f]); xpad: hp*wp*c f32 scratch.
export function convForwardDirect(
  x: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, f: i32,
  sh: i32, sw: i32, pt: i32, pl: i32, hp: i32, wp: i32, offs: usize, taps: i32, xpad: usize,
  wt: usize, bias: usize, y: usize,
): void {
  const fBytes = <usize>f << 2;
  const rowStep = <usize>sh * <usize>wp * <usize>c << 2;
  const colStep = <usize>sw * <usize>c << 2;
  for (let b = 0; b < n; b++) {
    padImage(x, b, h, w, c, pt, pl, hp, wp, xpad);
    for (let oy = 0; oy < oh; oy++) {
      const row = xpad + <usize>oy * rowStep;
      const yRow = y + ((<usize>b * <usize>oh + <usize>oy) * <usize>ow) * fBytes;
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        const p = row + <usize>ox * colStep;
        const q = yRow + <usize>ox * fBytes;
        for (let f0 = 0; f0 < f; f0 += 8) {
          const fo = <usize>f0 << 2;
          let a0 = v128.load(bias + fo), b0 = v128.load(bias + fo, 16);
          let a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
          let wk = wt + fo;
          for (let k = 0; k < taps; k++) {
            const o = p + <usize>load<i32>(offs + (<usize>k << 2));
            const w0 = v128.load(wk);
            const w1 = v128.load(wk, 16);
            const x0 = v128.load32_splat(o);
            const x1 = v128.load32_splat(o + colStep);
            const x2 = v128.load32_splat(o + 2 * colStep);
            const x3 = v128.load32_splat(o + 3 * colStep);
            a0 = mac(a0, x0, w0);
            b0 = mac(b0, x0, w1);
            a1 = mac(a1, x1, w0);
            b1 = mac(b1, x1, w1);
            a2 = mac(a2, x2, w0);
            b2 = mac(b2, x2, w1);
            a3 = mac(a3, x3, w0);
            b3 = mac(b3, x3, w1);
            wk += fBytes;
          }
          v128.store(q + fo, a0);
          v128.store(q + fo, b0, 16);
          v128.store(q + fBytes + fo, a1);
          v128.store(q + fBytes + fo, b1, 16);
          v128.store(q + 2 * fBytes + fo, a2);
          v128.store(q + 2 * fBytes + fo, b2, 16);
          v128.store(q + 3 * fBytes + fo, a3);
          v128.store(q + 3 * fBytes + fo, b3, 16);
        }
      }
      for (; ox < ow; ox++) {
        const p = row + <usize>ox * colStep;
        const q = yRow + <usize>ox * fBytes;
        for (let f0 = 0; f0 < f; f0 += 8) {
          const fo = <usize>f0 << 2;
          let a0 = v128.load(bias + fo), b0 = v128.load(bias + fo, 16);
          let wk = wt + fo;
          for (let k = 0; k < taps; k++) {
            const x0 = v128.load32_splat(p + <usize>load<i32>(offs + (<usize>k << 2)));
            a0 = mac(a0, x0, v128.load(wk));
            b0 = mac(b0, x0, v128.load(wk, 16));
            wk += fBytes;
          }
          v128.store(q + fo, a0);
          v128.store(q + fo, b0, 16);
        }
      }
    }
  }
}
