/**
 * Orthonormal DCT-II as torchaudio.functional.create_dct(nOut, nIn, 'ortho'):
 * y[k] = sqrt(2 / nIn) * s_k * sum_n x[n] cos(pi / nIn * (n + 0.5) * k), s_0 = 1 / sqrt(2), else 1.
 */
import type { Scratch } from './scratch.js';

const matrices = new Map<string, Float64Array>();

/** The (cached) nOut x nIn DCT-II matrix, row k = basis vector k. */
export function dctMatrix(nOut: number, nIn: number): Float64Array {
  const key = `${nOut}:${nIn}`;
  const cached = matrices.get(key);
  if (cached) return cached;
  if (nOut > nIn || nOut < 1)
    throw new RangeError(`DCT output size ${nOut} must be between 1 and the input size ${nIn}`);
  const d = new Float64Array(nOut * nIn);
  const scale = Math.sqrt(2 / nIn);
  for (let k = 0; k < nOut; k++) {
    const s = k === 0 ? scale / Math.SQRT2 : scale;
    for (let n = 0; n < nIn; n++) d[k * nIn + n] = s * Math.cos((Math.PI / nIn) * (n + 0.5) * k);
  }
  matrices.set(key, d);
  return d;
}

/**
 * Applies the DCT to every row of a frames-major matrix (rows of nIn values) -> rows of nOut
 * values. Uses the basis symmetries to cut the multiplications: row k is even about the centre
 * for even k and odd for odd k, so odd rows dot the folded differences (nIn / 2 values) and even
 * rows the folded sums; when nIn is a multiple of 4, the even rows are a DCT-II of length nIn / 2
 * of the folded sums, which folds once more (rows k = 0 mod 4 dot the sums' folded sums, k = 2
 * mod 4 their folded differences: nIn / 4 values each). 40 -> 40: 600 multiply-adds a frame,
 * not 800 (1600 without folding). Four frames and two rows go through together, so each
 * basis value is loaded once for four products and each folded value once for two.
 * `scratch`: take the output from it (every value is written) instead of allocating it.
 */
export function dctRows(
  x: Float64Array,
  frames: number,
  nIn: number,
  nOut: number,
  scratch?: Scratch,
): Float64Array {
  const d = dctMatrix(nOut, nIn);
  const out = scratch ? scratch.take(frames * nOut) : new Float64Array(frames * nOut);
  const half = nIn >> 1;
  const odd = nIn & 1;
  const ne = half + odd;
  const twice = odd === 0 && (half & 1) === 0;
  const quarter = half >> 1;
  // Per frame (four frames, frame-major): folded differences (half), and either the folded
  // sums (ne) or, folded again, their sums and differences (quarter each).
  const diff = new Float64Array(4 * half);
  const sum = new Float64Array(4 * ne);
  const sp = new Float64Array(4 * quarter);
  const sm = new Float64Array(4 * quarter);
  const fold = (row: number, f: number) => {
    for (let n = 0; n < half; n++) {
      const a = x[row + n];
      const b = x[row + nIn - 1 - n];
      sum[f * ne + n] = a + b;
      diff[f * half + n] = a - b;
    }
    if (odd) sum[f * ne + half] = x[row + half];
    if (twice) {
      for (let n = 0; n < quarter; n++) {
        const a = sum[f * ne + n];
        const b = sum[f * ne + half - 1 - n];
        sp[f * quarter + n] = a + b;
        sm[f * quarter + n] = a - b;
      }
    }
  };
  /** The folded vector row k dots (its length per frame: lengthOf(k)). */
  const vectorOf = (k: number): Float64Array => (k & 1 ? diff : !twice ? sum : k & 2 ? sm : sp);
  const lengthOf = (k: number): number => (k & 1 ? half : twice ? quarter : ne);
  // Rows dotting the same folded vector go in pairs (k and the next row of its kind), so each
  // loaded value serves two rows x four frames; a row without a partner is paired with itself.
  const pairs: number[] = [];
  const paired = new Uint8Array(nOut);
  for (let k = 0; k < nOut; k++) {
    if (paired[k]) continue;
    const k2 = k + (k & 1 || !twice ? 2 : 4);
    if (k2 < nOut) paired[k2] = 1;
    pairs.push(k, k2 < nOut ? k2 : k);
  }
  let t = 0;
  for (; t + 3 < frames; t += 4) {
    for (let f = 0; f < 4; f++) fold((t + f) * nIn, f);
    for (let p = 0; p < pairs.length; p += 2) {
      const k = pairs[p];
      const k2 = pairs[p + 1];
      const v = vectorOf(k);
      const len = lengthOf(k);
      const dk = k * nIn;
      const dk2 = k2 * nIn;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let n = 0; n < len; n++) {
        const w = d[dk + n];
        const u = d[dk2 + n];
        const v0 = v[n];
        const v1 = v[len + n];
        const v2 = v[2 * len + n];
        const v3 = v[3 * len + n];
        a0 += v0 * w;
        a1 += v1 * w;
        a2 += v2 * w;
        a3 += v3 * w;
        b0 += v0 * u;
        b1 += v1 * u;
        b2 += v2 * u;
        b3 += v3 * u;
      }
      const o = t * nOut;
      out[o + k] = a0;
      out[o + nOut + k] = a1;
      out[o + 2 * nOut + k] = a2;
      out[o + 3 * nOut + k] = a3;
      out[o + k2] = b0;
      out[o + nOut + k2] = b1;
      out[o + 2 * nOut + k2] = b2;
      out[o + 3 * nOut + k2] = b3;
    }
  }
  for (; t < frames; t++) {
    fold(t * nIn, 0);
    for (let k = 0; k < nOut; k++) {
      const v = vectorOf(k);
      const len = lengthOf(k);
      const dk = k * nIn;
      let a0 = 0;
      for (let n = 0; n < len; n++) a0 += v[n] * d[dk + n];
      out[t * nOut + k] = a0;
    }
  }
  return out;
}
