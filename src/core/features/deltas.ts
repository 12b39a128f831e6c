/**
 * Deltas along time as torchaudio.functional.compute_deltas: with N = (width - 1) / 2,
 * d[t] = sum_{n=1..N} n (c[t+n] - c[t-n]) / (2 sum_{n=1..N} n^2), edges padded by repeating
 * the first / last frame. Default width 9 (librosa's default; torchaudio's is 5).
 */
import type { FeatureMatrix } from './matrix.js';

export function deltas(m: FeatureMatrix, width: number = 9): FeatureMatrix {
  if (!Number.isInteger(width) || width < 3 || width % 2 === 0) {
    throw new RangeError(`delta width must be an odd integer >= 3, got ${width}`);
  }
  const { frames, coeffs, data } = m;
  const half = (width - 1) / 2;
  const denom = (half * (half + 1) * (2 * half + 1)) / 3;
  const out = new Float32Array(frames * coeffs);
  const last = frames - 1;
  for (let t = 0; t < frames; t++) {
    for (let c = 0; c < coeffs; c++) {
      let acc = 0;
      for (let n = 1; n <= half; n++) {
        const ahead = Math.min(t + n, last);
        const behind = Math.max(t - n, 0);
        acc += n * (data[ahead * coeffs + c] - data[behind * coeffs + c]);
      }
      out[t * coeffs + c] = acc / denom;
    }
  }
  return { data: out, frames, coeffs };
}

/** Concatenates matrices with the same frame count column-wise: row t = [a[t], b[t], ...]. */
export function stackColumns(parts: FeatureMatrix[]): FeatureMatrix {
  const frames = parts[0].frames;
  const coeffs = parts.reduce((s, p) => s + p.coeffs, 0);
  const out = new Float32Array(frames * coeffs);
  for (let t = 0; t < frames; t++) {
    let o = t * coeffs;
    for (const p of parts) {
      out.set(p.data.subarray(t * p.coeffs, (t + 1) * p.coeffs), o);
      o += p.coeffs;
    }
  }
  return { data: out, frames, coeffs };
}
