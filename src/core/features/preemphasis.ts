/**
 * Pre-emphasis over the whole signal: y[0] = x[0], y[n] = x[n] - coeff * x[n - 1]
 * (torchaudio.functional.preemphasis convention). coeff 0 returns a copy.
 */
export function preEmphasis(x: Float32Array | Float64Array, coeff: number = 0.97): Float64Array {
  const y = new Float64Array(x.length);
  if (x.length === 0) return y;
  y[0] = x[0];
  for (let n = 1; n < x.length; n++) y[n] = x[n] - coeff * x[n - 1];
  return y;
}
