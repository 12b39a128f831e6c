/** Hard clip to [-1, 1] in place (what a fixed-point converter does with an over-range level). */
export function clip(x: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = x[i] > 1 ? 1 : x[i] < -1 ? -1 : x[i];
  return x;
}
