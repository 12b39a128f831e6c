/**
 * Linear convolution by FFT, on the project's real FFT (src/core/features/fft.ts).
 * The inverse transform reuses the forward real FFT through the Hartley identity: for a
 * Hermitian spectrum Y, y[n] = (Re Z[n] - Im Z[n]) / N with Z the DFT of the real sequence
 * Re Y[k] - Im Y[k]. Platform-neutral.
 */
import { nextPow2, rfft } from '../features/fft.js';

/** Full linear convolution of x and h: x.length + h.length - 1 samples. */
export function fftConvolve(x: Float32Array, h: Float32Array): Float32Array {
  if (x.length === 0 || h.length === 0) return new Float32Array(0);
  const outLen = x.length + h.length - 1;
  const n = nextPow2(outLen);
  const xp = new Float64Array(n);
  xp.set(x);
  const hp = new Float64Array(n);
  hp.set(h);
  const X = rfft(xp);
  const H = rfft(hp);
  const m = n / 2;
  // z[k] = Re Y[k] - Im Y[k] over the full circle, with Y[n-k] = conj(Y[k]).
  const z = new Float64Array(n);
  for (let k = 0; k <= m; k++) {
    const yr = X.re[k] * H.re[k] - X.im[k] * H.im[k];
    const yi = X.re[k] * H.im[k] + X.im[k] * H.re[k];
    z[k] = yr - yi;
    if (k > 0 && k < m) z[n - k] = yr + yi;
  }
  const Z = rfft(z);
  const out = new Float32Array(outLen);
  for (let i = 0; i < outLen; i++) {
    // For i > n/2, Z[i] = conj(Z[n - i]).
    const v = i <= m ? Z.re[i] - Z.im[i] : Z.re[n - i] + Z.im[n - i];
    out[i] = v / n;
  }
  return out;
}
