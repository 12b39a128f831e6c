/**
 * im2col / col2im for NHWC convolutions on plain typed arrays (views on the wasm heap).
 *
 * Written in JS rather than taken from a library: no npm package offers NHWC im2col on a
 * caller-owned Float32Array, and these loops are simple copies that V8 compiles well; the heavy
 * arithmetic is left to the wasm backend's XNNPACK matrix multiply.
 *
 * Layouts: x is [batch, inHeight, inWidth, inChannels]; a "cols" matrix has one row per output
 * position m = (n, oy, ox) and one column per filter tap k = (ky, kx, c), i.e. [M, K] with
 * K = filterHeight * filterWidth * inChannels, matching a filter [kh, kw, c, f] seen as [K, F].
 */

/** The geometry of one 2D convolution (a subset of tfjs `backend_util.Conv2DInfo`). */
export interface ConvGeometry {
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** Runs at least this long are copied with the native `copyWithin` (a memmove), shorter ones by a loop. */
const NATIVE_COPY_MIN = 16;

/**
 * A view of the whole buffer when `a` and `b` share it (tensors on the wasm heap), so runs can be
 * copied with `copyWithin`: 3-10x faster than a JS loop for runs of 24+ floats. Else null.
 */
function sharedHeap(a: Float32Array, b: Float32Array): Float32Array | null {
  return a.buffer === b.buffer ? new Float32Array(a.buffer) : null;
}

/**
 * Fill `cols` ([(batchEnd - batchStart) * outHeight * outWidth, K]) with the patches of images
 * batchStart .. batchEnd-1 of `x`; taps that fall in the padding are 0.
 */
export function im2col(
  x: Float32Array,
  g: ConvGeometry,
  batchStart: number,
  batchEnd: number,
  cols: Float32Array,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = g;
  const { dilationHeight: DH, dilationWidth: DW, padTop: PT, padLeft: PL } = g;
  const K = KH * KW * C;
  const rowC = KW * C;
  const heap = sharedHeap(x, cols);
  const xBase = x.byteOffset >>> 2;
  const colsBase = cols.byteOffset >>> 2;
  let dst = 0;
  for (let n = batchStart; n < batchEnd; n++) {
    const xImage = n * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * SH - PT;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * SW - PL;
        // The whole kernel row lies inside the image and is contiguous in x: one copy per ky.
        const rowInside = DW === 1 && ix0 >= 0 && ix0 + KW <= W;
        for (let ky = 0; ky < KH; ky++) {
          const iy = iy0 + ky * DH;
          const d = dst + ky * rowC;
          if (iy < 0 || iy >= H) {
            cols.fill(0, d, d + rowC);
            continue;
          }
          const xRow = xImage + iy * W * C;
          if (rowInside) {
            const s = xRow + ix0 * C;
            if (heap !== null && rowC >= NATIVE_COPY_MIN)
              heap.copyWithin(colsBase + d, xBase + s, xBase + s + rowC);
            else for (let j = 0; j < rowC; j++) cols[d + j] = x[s + j];
            continue;
          }
          for (let kx = 0; kx < KW; kx++) {
            const ix = ix0 + kx * DW;
            const dk = d + kx * C;
            if (ix < 0 || ix >= W) {
              for (let c = 0; c < C; c++) cols[dk + c] = 0;
            } else {
              const s = xRow + ix * C;
              if (heap !== null && C >= NATIVE_COPY_MIN)
                heap.copyWithin(colsBase + dk, xBase + s, xBase + s + C);
              else for (let c = 0; c < C; c++) cols[dk + c] = x[s + c];
            }
          }
        }
        dst += K;
      }
    }
  }
}

/**
 * The transpose of `im2col`: fill `colsT` ([K, M] with M = (batchEnd - batchStart) * outHeight *
 * outWidth). With x given channel-major ([C, N, H, W], `channelMajorBatch` = N) every row of
 * colsT is made of contiguous runs of x (for stride 1), copied natively.
 */
export function im2colTransposed(
  x: Float32Array,
  g: ConvGeometry,
  batchStart: number,
  batchEnd: number,
  colsT: Float32Array,
  channelMajorBatch = 0,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  // Element (n, y, x, c) of x: NHWC, or [C, N, H, W] when channelMajorBatch = N > 0.
  const pixel = channelMajorBatch > 0 ? 1 : C;
  const channelStride = channelMajorBatch > 0 ? channelMajorBatch * H * W : 1;
  const imageStride = channelMajorBatch > 0 ? H * W : H * W * C;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = g;
  const { dilationHeight: DH, dilationWidth: DW, padTop: PT, padLeft: PL } = g;
  const M = (batchEnd - batchStart) * OH * OW;
  const heap = sharedHeap(x, colsT);
  const xBase = x.byteOffset >>> 2;
  const colsBase = colsT.byteOffset >>> 2;
  // Output columns ox whose input column lies inside the image, for tap kx: [oxStart, oxEnd).
  for (let ky = 0; ky < KH; ky++) {
    for (let kx = 0; kx < KW; kx++) {
      const offX = kx * DW - PL;
      const oxStart = Math.min(OW, Math.max(0, Math.ceil(-offX / SW)));
      const oxEnd = Math.max(oxStart, Math.min(OW, Math.floor((W - 1 - offX) / SW) + 1));
      for (let c = 0; c < C; c++) {
        const row = ((ky * KW + kx) * C + c) * M;
        let dst = row;
        for (let n = batchStart; n < batchEnd; n++) {
          const xImage = n * imageStride + c * channelStride;
          for (let oy = 0; oy < OH; oy++) {
            const iy = oy * SH - PT + ky * DH;
            if (iy < 0 || iy >= H) {
              colsT.fill(0, dst, dst + OW);
              dst += OW;
              continue;
            }
            for (let ox = 0; ox < oxStart; ox++) colsT[dst + ox] = 0;
            let s = xImage + (iy * W + oxStart * SW + offX) * pixel;
            const step = SW * pixel;
            const run = oxEnd - oxStart;
            if (step === 1 && heap !== null && run >= NATIVE_COPY_MIN) {
              heap.copyWithin(colsBase + dst + oxStart, xBase + s, xBase + s + run);
            } else {
              for (let ox = oxStart; ox < oxEnd; ox++, s += step) colsT[dst + ox] = x[s];
            }
            for (let ox = oxEnd; ox < OW; ox++) colsT[dst + ox] = 0;
            dst += OW;
          }
        }
      }
    }
  }
}

/**
 * Scatter-add `cols` ([M, K], laid out as by `im2col` for images batchStart .. batchEnd-1) back
 * into `dx` (NHWC, the full batch; must be zeroed by the caller). Taps in the padding are dropped.
 */
export function col2im(
  cols: Float32Array,
  g: ConvGeometry,
  batchStart: number,
  batchEnd: number,
  dx: Float32Array,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = g;
  const { dilationHeight: DH, dilationWidth: DW, padTop: PT, padLeft: PL } = g;
  const K = KH * KW * C;
  const rowC = KW * C;
  let src = 0;
  for (let n = batchStart; n < batchEnd; n++) {
    const xImage = n * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * SH - PT;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * SW - PL;
        const rowInside = DW === 1 && ix0 >= 0 && ix0 + KW <= W;
        for (let ky = 0; ky < KH; ky++) {
          const iy = iy0 + ky * DH;
          if (iy < 0 || iy >= H) continue;
          const s = src + ky * rowC;
          const xRow = xImage + iy * W * C;
          if (rowInside) {
            const d = xRow + ix0 * C;
            for (let j = 0; j < rowC; j++) dx[d + j] += cols[s + j];
            continue;
          }
          for (let kx = 0; kx < KW; kx++) {
            const ix = ix0 + kx * DW;
            if (ix < 0 || ix >= W) continue;
            const d = xRow + ix * C;
            const sk = s + kx * C;
            for (let c = 0; c < C; c++) dx[d + c] += cols[sk + c];
          }
        }
        src += K;
      }
    }
  }
}

/** dst[c * rows + r] = src[r * cols + c]: transpose a row-major [rows, cols] matrix, in cache-sized tiles. */
export function transpose2d(
  src: Float32Array,
  rows: number,
  cols: number,
  dst: Float32Array,
  tile = 32,
): void {
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(rows, r0 + tile);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(cols, c0 + tile);
      for (let r = r0; r < r1; r++) {
        const s = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[s + c];
      }
    }
  }
}
