/**
 * Quantile transform to a standard normal, per column (as scikit-learn's QuantileTransformer with
 * output_distribution='normal'): each value is mapped to its rank among the training values
 * (linear between stored quantile knots, ties at the middle of their run), then through the
 * inverse normal CDF. Monotone per column, insensitive to outliers and to each corpus's scale;
 * fitted on the training rows only, so one clip at a time needs nothing of the test corpus.
 * Written here: no maintained npm package provides a serialisable quantile transform that runs in
 * the browser as the rest of the classical pipeline does.
 */
import type { Matrix } from './matrix.js';

export interface QuantileJSON {
  /** Per column, the training values at evenly spaced quantile levels 0 .. 1 (non-decreasing). */
  knots: number[][];
  /** Training rows it was fitted on: bounds the extreme ranks at 0.5 / n and 1 - 0.5 / n. */
  rows: number;
}

/** Knots stored per column (1001: ranks resolved to 0.1 %). */
export const DEFAULT_QUANTILE_KNOTS = 1001;

/** Inverse standard normal CDF (P. J. Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** Fractional position of v among non-decreasing knots (0 .. knots.length - 1), ties at the middle of their run. */
function position(knots: readonly number[], v: number): number {
  const n = knots.length;
  if (v < knots[0]) return 0;
  if (v > knots[n - 1]) return n - 1;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (knots[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  const first = lo; // first knot >= v
  if (knots[first] === v) {
    let h = n;
    let l = first;
    while (l < h) {
      const mid = (l + h) >> 1;
      if (knots[mid] <= v) l = mid + 1;
      else h = mid;
    }
    return (first + l - 1) / 2; // l - 1: the last knot equal to v
  }
  const k0 = knots[first - 1];
  const k1 = knots[first];
  return first - 1 + (v - k0) / (k1 - k0);
}

export class QuantileNormal {
  private constructor(
    readonly knots: number[][],
    readonly rows: number,
  ) {}

  static fit(x: Matrix, nKnots = DEFAULT_QUANTILE_KNOTS): QuantileNormal {
    if (x.rows === 0) throw new RangeError('QuantileNormal.fit: no rows');
    const k = Math.max(2, Math.min(nKnots, x.rows));
    const knots = Array.from({ length: x.cols }, (_, c) => {
      const v = new Float64Array(x.rows);
      for (let r = 0; r < x.rows; r++) v[r] = x.data[r * x.cols + c];
      v.sort();
      return Array.from({ length: k }, (_, j) => {
        const at = (j * (x.rows - 1)) / (k - 1);
        const i = Math.floor(at);
        return i + 1 < x.rows ? v[i] + (at - i) * (v[i + 1] - v[i]) : v[i];
      });
    });
    return new QuantileNormal(knots, x.rows);
  }

  get features(): number {
    return this.knots.length;
  }

  transform(x: Matrix): Matrix {
    if (x.cols !== this.knots.length) {
      throw new RangeError(`QuantileNormal.transform: expected ${this.knots.length} columns, got ${x.cols}`);
    }
    const out: Matrix = { rows: x.rows, cols: x.cols, data: new Float64Array(x.data.length) };
    const edge = 0.5 / this.rows;
    for (let c = 0; c < x.cols; c++) {
      const knots = this.knots[c];
      const span = knots.length - 1;
      for (let r = 0; r < x.rows; r++) {
        const u = position(knots, x.data[r * x.cols + c]) / span;
        out.data[r * x.cols + c] = normalQuantile(Math.min(1 - edge, Math.max(edge, u)));
      }
    }
    return out;
  }

  toJSON(): QuantileJSON {
    return { knots: this.knots, rows: this.rows };
  }

  static fromJSON(j: QuantileJSON): QuantileNormal {
    if (!Array.isArray(j?.knots) || !(j.rows >= 1))
      throw new RangeError('QuantileNormal.fromJSON: needs knots and rows');
    for (const k of j.knots) {
      if (k.length < 2 || k.some((v, i) => !Number.isFinite(v) || (i > 0 && v < k[i - 1]))) {
        throw new RangeError(
          'QuantileNormal.fromJSON: every column needs at least 2 finite non-decreasing knots',
        );
      }
    }
    return new QuantileNormal(
      j.knots.map((k) => [...k]),
      j.rows,
    );
  }
}
