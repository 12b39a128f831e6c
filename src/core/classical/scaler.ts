/**
 * StandardScaler: per-column (x - mean) / std with the population standard deviation, as
 * scikit-learn does. Constant columns get std 1 so they map to 0 instead of NaN.
 */
import type { Matrix } from './matrix.js';
import { zeros } from './matrix.js';

export interface ScalerJSON {
  mean: number[];
  std: number[];
}

export class StandardScaler {
  private constructor(
    readonly mean: Float64Array,
    readonly std: Float64Array,
  ) {}

  /** Learns each column's mean and standard deviation from the rows of x. */
  static fit(x: Matrix): StandardScaler {
    if (x.rows === 0) throw new RangeError('StandardScaler.fit: no rows');
    const mean = new Float64Array(x.cols);
    const std = new Float64Array(x.cols);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) mean[c] += x.data[o + c];
    }
    for (let c = 0; c < x.cols; c++) mean[c] /= x.rows;
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) {
        const d = x.data[o + c] - mean[c];
        std[c] += d * d;
      }
    }
    for (let c = 0; c < x.cols; c++) {
      const s = Math.sqrt(std[c] / x.rows);
      std[c] = s > 1e-12 ? s : 1;
    }
    return new StandardScaler(mean, std);
  }

  get features(): number {
    return this.mean.length;
  }

  /** A new matrix with every column standardised. */
  transform(x: Matrix): Matrix {
    if (x.cols !== this.mean.length) {
      throw new RangeError(`StandardScaler.transform: expected ${this.mean.length} columns, got ${x.cols}`);
    }
    const out = zeros(x.rows, x.cols);
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let c = 0; c < x.cols; c++) out.data[o + c] = (x.data[o + c] - this.mean[c]) / this.std[c];
    }
    return out;
  }

  /** Undoes transform: x * std + mean. */
  inverseTransform(z: Matrix): Matrix {
    const out = zeros(z.rows, z.cols);
    for (let r = 0; r < z.rows; r++) {
      const o = r * z.cols;
      for (let c = 0; c < z.cols; c++) out.data[o + c] = z.data[o + c] * this.std[c] + this.mean[c];
    }
    return out;
  }

  toJSON(): ScalerJSON {
    return { mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  static fromJSON(j: ScalerJSON): StandardScaler {
    if (j.mean.length !== j.std.length)
      throw new RangeError('StandardScaler.fromJSON: mean and std lengths differ');
    if (j.std.some((s) => !(s > 0))) throw new RangeError('StandardScaler.fromJSON: every std must be > 0');
    return new StandardScaler(Float64Array.from(j.mean), Float64Array.from(j.std));
  }
}
