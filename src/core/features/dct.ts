/**
 * Orthonormal DCT-II as torchaudio.functional.create_dct(nOut, nIn, 'ortho'):
 * y[k] = sqrt(2 / nIn) * s_k * sum_n x[n] cos(pi / nIn * (n + 0.5) * k), s_0 = 1 / sqrt(2), else 1.
 */
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
 * values. Uses the basis symmetry (row k is even about the centre for even k, odd for odd k)
 * to halve the multiplications: even rows dot the folded sums, odd rows the folded differences.
 * Four frames go through together, so each basis value is loaded once for four products (the
 * accumulation order per value is the same as one frame at a time).
 */
export function dctRows(x: Float64Array, frames: number, nIn: number, nOut: number): Float64Array {
  const d = dctMatrix(nOut, nIn);
  const out = new Float64Array(frames * nOut);
  const half = nIn >> 1;
  const odd = nIn & 1;
  const ne = half + odd;
  // Folded sums (ne per frame) and differences (half per frame) of four frames, frame-major.
  const sum = new Float64Array(4 * ne);
  const diff = new Float64Array(4 * half);
  let t = 0;
  for (; t + 3 < frames; t += 4) {
    for (let f = 0; f < 4; f++) {
      const row = (t + f) * nIn;
      for (let n = 0; n < half; n++) {
        const a = x[row + n];
        const b = x[row + nIn - 1 - n];
        sum[f * ne + n] = a + b;
        diff[f * half + n] = a - b;
      }
      if (odd) sum[f * ne + half] = x[row + half];
    }
    for (let k = 0; k < nOut; k++) {
      const even = (k & 1) === 0;
      const v = even ? sum : diff;
      const len = even ? ne : half;
      const dk = k * nIn;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let n = 0; n < len; n++) {
        const w = d[dk + n];
        a0 += v[n] * w;
        a1 += v[len + n] * w;
        a2 += v[2 * len + n] * w;
        a3 += v[3 * len + n] * w;
      }
      const o = t * nOut + k;
      out[o] = a0;
      out[o + nOut] = a1;
      out[o + 2 * nOut] = a2;
      out[o + 3 * nOut] = a3;
    }
  }
  for (; t < frames; t++) {
    const row = t * nIn;
    for (let n = 0; n < half; n++) {
      const a = x[row + n];
      const b = x[row + nIn - 1 - n];
      sum[n] = a + b;
      diff[n] = a - b;
    }
    if (odd) sum[half] = x[row + half];
    for (let k = 0; k < nOut; k++) {
      const v = (k & 1) === 0 ? sum : diff;
      const len = (k & 1) === 0 ? ne : half;
      const dk = k * nIn;
      let a0 = 0;
      for (let n = 0; n < len; n++) a0 += v[n] * d[dk + n];
      out[t * nOut + k] = a0;
    }
  }
  return out;
}
