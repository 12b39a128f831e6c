/**
 * Reductions over one contiguous block of axes, seen as x [outer, reduce, inner] -> [outer, inner].
 * Batch-norm statistics and gradients reduce over the leading axes (N, H, W) of NHWC tensors,
 * which the wasm Sum/Mean kernels handle by first transposing the whole tensor.
 */

/** [outer, reduce, inner] sizes when the (sorted, distinct) `axes` are contiguous, else null. */
export function contiguousReduction(shape: number[], axes: number[]): [number, number, number] | null {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const prod = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return [prod(0, first), prod(first, last + 1), prod(last + 1, shape.length)];
}

/**
 * out[o, i] = scale * sum_r x[o, r, i], accumulated in float64 (as the cpu backend does) and
 * reading x in order.
 */
export function reduceMiddle(
  x: Float32Array,
  outer: number,
  reduce: number,
  inner: number,
  out: Float32Array,
  scale = 1,
): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    let p = o * reduce * inner;
    for (let r = 0; r < reduce; r++, p += inner) {
      for (let i = 0; i < inner; i++) acc[i] += x[p + i];
    }
    const q = o * inner;
    for (let i = 0; i < inner; i++) out[q + i] = acc[i] * scale;
  }
}
