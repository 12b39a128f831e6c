import type { Matrix } from '../../../src/core/classical/matrix.js';
import { seededRng } from '../../../src/core/random.js';

/** A standard normal deviate (Box-Muller) from a seeded generator. */
export function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** k Gaussian blobs in d dimensions, centres `spread` apart on the axes, n rows each. */
export function blobs(
  k: number,
  n: number,
  d: number,
  spread: number,
  seed = 1,
): { x: Matrix; y: Int32Array } {
  const rng = seededRng(seed);
  const x: Matrix = { data: new Float64Array(k * n * d), rows: k * n, cols: d };
  const y = new Int32Array(k * n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      const r = c * n + i;
      y[r] = c;
      for (let j = 0; j < d; j++) x.data[r * d + j] = gaussian(rng) + (j === c % d ? spread : 0);
    }
  }
  return { x, y };
}

/** XOR in 2-D: class 1 when the signs of the two coordinates differ. */
export function xor(n: number, seed = 1): { x: Matrix; y: Int32Array } {
  const rng = seededRng(seed);
  const x: Matrix = { data: new Float64Array(n * 2), rows: n, cols: 2 };
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng() * 2 - 1;
    const b = rng() * 2 - 1;
    x.data[i * 2] = a;
    x.data[i * 2 + 1] = b;
    y[i] = a * b < 0 ? 1 : 0;
  }
  return { x, y };
}

export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}
