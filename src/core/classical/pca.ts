/**
 * Principal component analysis fitted by eigen-decomposition. With fewer rows than columns
 * (the usual case: ~500 utterances x ~1000 functionals) it decomposes the n x n Gram matrix of
 * the centred data and maps its eigenvectors back (v = X^T u / sqrt(lambda)), which gives the
 * same components as the d x d covariance at a fraction of the cost.
 */
import type { Matrix } from './matrix.js';
import { zeros } from './matrix.js';
import { symmetricEigen } from './eigen.js';

export interface PcaOptions {
  /** Keep this many components (capped by the rank), or ... */
  nComponents?: number;
  /** ... the fewest components whose explained variance reaches this fraction (0 < f <= 1). */
  varianceFraction?: number;
}

export interface PcaJSON {
  mean: number[];
  /** Components as rows, each of length mean.length. */
  components: number[][];
  explainedVariance: number[];
  totalVariance: number;
}

export class Pca {
  private constructor(
    readonly mean: Float64Array,
    /** k x d, unit rows. */
    readonly components: Matrix,
    /** Variance of the data along each component (divisor n - 1). */
    readonly explainedVariance: Float64Array,
    readonly totalVariance: number,
  ) {}

  get nComponents(): number {
    return this.components.rows;
  }

  /** Fraction of the total variance each component explains. */
  get explainedVarianceRatio(): Float64Array {
    return this.explainedVariance.map((v) => (this.totalVariance > 0 ? v / this.totalVariance : 0));
  }

  static fit(x: Matrix, opts: PcaOptions = { varianceFraction: 0.95 }): Pca {
    const { rows: n, cols: d } = x;
    if (n < 2) throw new RangeError('Pca.fit: at least two rows are required');
    if (opts.nComponents !== undefined && !(Number.isInteger(opts.nComponents) && opts.nComponents >= 1)) {
      throw new RangeError(`Pca.fit: nComponents must be a positive integer, got ${opts.nComponents}`);
    }
    const vf = opts.varianceFraction;
    if (vf !== undefined && !(vf > 0 && vf <= 1)) {
      throw new RangeError(`Pca.fit: varianceFraction must be in (0, 1], got ${vf}`);
    }
    const mean = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] += x.data[r * d + c];
    for (let c = 0; c < d; c++) mean[c] /= n;
    const xc = new Float64Array(n * d);
    for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) xc[r * d + c] = x.data[r * d + c] - mean[c];

    let values: Float64Array;
    let dirs: Float64Array; // rows = directions in feature space (length d)
    let m: number; // how many candidate directions
    if (n <= d) {
      const gram = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) {
          let s = 0;
          for (let c = 0, oi = i * d, oj = j * d; c < d; c++) s += xc[oi + c] * xc[oj + c];
          gram[i * n + j] = s;
          gram[j * n + i] = s;
        }
      }
      const eig = symmetricEigen(gram, n);
      m = n;
      values = eig.values;
      dirs = new Float64Array(n * d);
      for (let k = 0; k < n; k++) {
        const lam = values[k];
        if (!(lam > 1e-10 * Math.max(values[0], 1e-300))) continue;
        const inv = 1 / Math.sqrt(lam);
        for (let r = 0; r < n; r++) {
          const u = eig.vectors[k * n + r] * inv;
          if (u === 0) continue;
          for (let c = 0; c < d; c++) dirs[k * d + c] += u * xc[r * d + c];
        }
      }
    } else {
      const cov = new Float64Array(d * d);
      for (let r = 0; r < n; r++) {
        const o = r * d;
        for (let i = 0; i < d; i++) {
          const xi = xc[o + i];
          for (let j = i; j < d; j++) cov[i * d + j] += xi * xc[o + j];
        }
      }
      for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
      const eig = symmetricEigen(cov, d);
      m = d;
      values = eig.values;
      dirs = eig.vectors;
    }
    const variances = values.map((v) => Math.max(v, 0) / (n - 1));
    const total = variances.reduce((a, b) => a + b, 0);
    const rank = variances.filter((v) => v > 1e-10 * Math.max(variances[0], 1e-300)).length;
    let k = Math.min(rank, m);
    if (opts.nComponents !== undefined) k = Math.min(k, opts.nComponents);
    else if (vf !== undefined && total > 0) {
      let acc = 0;
      for (let i = 0; i < k; i++) {
        acc += variances[i];
        if (acc / total >= vf - 1e-12) {
          k = i + 1;
          break;
        }
      }
    }
    k = Math.max(k, 1);
    const comps = zeros(k, d);
    for (let i = 0; i < k; i++) {
      // Deterministic sign: the entry of largest magnitude is positive.
      let big = 0;
      for (let c = 0; c < d; c++) if (Math.abs(dirs[i * d + c]) > Math.abs(big)) big = dirs[i * d + c];
      const sgn = big < 0 ? -1 : 1;
      for (let c = 0; c < d; c++) comps.data[i * d + c] = sgn * dirs[i * d + c];
    }
    return new Pca(mean, comps, variances.slice(0, k), total);
  }

  /** Projects rows onto the components: (x - mean) C^T, shape rows x k. */
  transform(x: Matrix): Matrix {
    const d = this.mean.length;
    if (x.cols !== d) throw new RangeError(`Pca.transform: expected ${d} columns, got ${x.cols}`);
    const k = this.components.rows;
    const out = zeros(x.rows, k);
    const centred = new Float64Array(d);
    for (let r = 0; r < x.rows; r++) {
      for (let c = 0; c < d; c++) centred[c] = x.data[r * d + c] - this.mean[c];
      for (let i = 0; i < k; i++) {
        let s = 0;
        const o = i * d;
        for (let c = 0; c < d; c++) s += centred[c] * this.components.data[o + c];
        out.data[r * k + i] = s;
      }
    }
    return out;
  }

  toJSON(): PcaJSON {
    const { rows: k, cols: d } = this.components;
    return {
      mean: Array.from(this.mean),
      components: Array.from({ length: k }, (_, i) =>
        Array.from(this.components.data.subarray(i * d, (i + 1) * d)),
      ),
      explainedVariance: Array.from(this.explainedVariance),
      totalVariance: this.totalVariance,
    };
  }

  static fromJSON(j: PcaJSON): Pca {
    const d = j.mean.length;
    const comps = zeros(j.components.length, d);
    j.components.forEach((c, i) => {
      if (c.length !== d)
        throw new RangeError(`Pca.fromJSON: component ${i} has ${c.length} values, expected ${d}`);
      comps.data.set(c, i * d);
    });
    return new Pca(Float64Array.from(j.mean), comps, Float64Array.from(j.explainedVariance), j.totalVariance);
  }
}
