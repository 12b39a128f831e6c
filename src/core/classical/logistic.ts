/**
 * Multinomial logistic regression (softmax) with an L2 penalty, fitted by L-BFGS: the
 * scikit-learn LogisticRegression objective C * sum_i w_i CE_i + |W|^2 / 2 (bias not
 * penalised), class weights 'balanced' as n / (k * n_class). Linear, so a prediction is one
 * matrix-vector product, and its probabilities come straight from the softmax (no Platt step),
 * which makes temperature calibration a single scalar.
 *
 * Written here rather than taken from a library: no maintained npm package offers a weighted
 * multinomial L2 logistic regression with a deterministic L-BFGS solver that runs in the browser.
 */
import type { Matrix } from './matrix.js';

export interface LogisticOptions {
  /** Inverse penalty strength (as scikit-learn): larger C = weaker L2 penalty. */
  C: number;
  classWeight: 'balanced' | null;
  /** L-BFGS iterations at most, and the gradient-norm tolerance that stops earlier. */
  maxIter: number;
  tol: number;
}

export const DEFAULT_LOGISTIC_OPTIONS: LogisticOptions = {
  C: 0.01,
  classWeight: 'balanced',
  maxIter: 300,
  tol: 1e-6,
};

export interface LogisticJSON {
  nClasses: number;
  nFeatures: number;
  options: LogisticOptions;
  /** nClasses x nFeatures, row-major. */
  weights: number[];
  bias: number[];
}

/**
 * Per-row training weights: `scale` x the row's sample weight (1 without) x, with 'balanced'
 * class weights, n / (k * n_class) over the classes present (sums of sample weights). Also the
 * per-class sums, so a caller can tell which classes had no row. Shared by the logistic model
 * and the descriptor MLP.
 */
export function classBalancedRowWeights(
  y: ArrayLike<number>,
  nClasses: number,
  classWeight: 'balanced' | null,
  sampleWeight?: ArrayLike<number>,
  scale = 1,
): { weights: Float64Array; counts: Float64Array } {
  const n = y.length;
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < n; i++) counts[y[i]] += sampleWeight ? sampleWeight[i] : 1;
  const present = Array.from(counts).filter((c) => c > 0).length;
  const total = counts.reduce((a, b) => a + b, 0);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = sampleWeight ? sampleWeight[i] : 1;
    weights[i] = scale * base * (classWeight === 'balanced' ? total / (present * counts[y[i]]) : 1);
  }
  return { weights, counts };
}

/** Softmax of k logits at z[off ..] in place, after dividing them by temperature. */
export function softmaxInPlace(z: Float64Array, off: number, k: number, temperature = 1): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    z[off + c] /= temperature;
    if (z[off + c] > max) max = z[off + c];
  }
  let s = 0;
  for (let c = 0; c < k; c++) {
    z[off + c] = Math.exp(z[off + c] - max);
    s += z[off + c];
  }
  for (let c = 0; c < k; c++) z[off + c] /= s;
}

export class LogisticRegression {
  private constructor(
    readonly nClasses: number,
    readonly nFeatures: number,
    readonly options: LogisticOptions,
    private readonly weights: Float64Array,
    private readonly bias: Float64Array,
  ) {}

  /** Fits on rows of x with class indices y in [0, nClasses); absent classes keep weight 0. */
  static fit(
    x: Matrix,
    y: ArrayLike<number>,
    nClasses: number,
    opts: Partial<LogisticOptions> = {},
    sampleWeight?: ArrayLike<number>,
  ): LogisticRegression {
    const o: LogisticOptions = { ...DEFAULT_LOGISTIC_OPTIONS, ...opts };
    if (!(o.C > 0)) throw new RangeError(`logistic regression C must be > 0, got ${o.C}`);
    if (y.length !== x.rows)
      throw new RangeError(`LogisticRegression.fit: ${x.rows} rows but ${y.length} labels`);
    const { rows: n, cols: d } = x;
    const k = nClasses;
    const w = classBalancedRowWeights(y, k, o.classWeight, sampleWeight, o.C).weights;
    const dim = k * (d + 1);
    const z = new Float64Array(k);
    // Objective and gradient over theta = [W (k x d), b (k)].
    const evaluate = (theta: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      let f = 0;
      for (let c = 0; c < k * d; c++) {
        f += 0.5 * theta[c] * theta[c];
        grad[c] = theta[c];
      }
      for (let i = 0; i < n; i++) {
        const xi = i * d;
        for (let c = 0; c < k; c++) {
          let s = theta[k * d + c];
          const wc = c * d;
          for (let j = 0; j < d; j++) s += theta[wc + j] * x.data[xi + j];
          z[c] = s;
        }
        let max = -Infinity;
        for (let c = 0; c < k; c++) if (z[c] > max) max = z[c];
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(z[c] - max);
        const lse = max + Math.log(sum);
        f += w[i] * (lse - z[y[i]]);
        for (let c = 0; c < k; c++) {
          const g = w[i] * (Math.exp(z[c] - lse) - (c === y[i] ? 1 : 0));
          if (g === 0) continue;
          const wc = c * d;
          for (let j = 0; j < d; j++) grad[wc + j] += g * x.data[xi + j];
          grad[k * d + c] += g;
        }
      }
      return f;
    };
    const theta = lbfgs(evaluate, new Float64Array(dim), o.maxIter, o.tol);
    return new LogisticRegression(k, d, o, theta.slice(0, k * d), theta.slice(k * d));
  }

  /** Logits (before softmax), rows x nClasses. */
  decision(x: Matrix): Float64Array {
    if (x.cols !== this.nFeatures)
      throw new RangeError(`logistic regression expects ${this.nFeatures} features, got ${x.cols}`);
    const k = this.nClasses;
    const d = this.nFeatures;
    const out = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++)
      for (let c = 0; c < k; c++) {
        let s = this.bias[c];
        for (let j = 0; j < d; j++) s += this.weights[c * d + j] * x.data[i * d + j];
        out[i * k + c] = s;
      }
    return out;
  }

  /** Class probabilities, rows x nClasses; temperature > 1 softens them. */
  predictProba(x: Matrix, temperature = 1): Float64Array {
    const z = this.decision(x);
    for (let i = 0; i < x.rows; i++) softmaxInPlace(z, i * this.nClasses, this.nClasses, temperature);
    return z;
  }

  toJSON(): LogisticJSON {
    return {
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      options: this.options,
      weights: Array.from(this.weights),
      bias: Array.from(this.bias),
    };
  }

  static fromJSON(j: LogisticJSON): LogisticRegression {
    if (j.weights.length !== j.nClasses * j.nFeatures || j.bias.length !== j.nClasses)
      throw new RangeError('logistic regression JSON: weight shapes do not match nClasses x nFeatures');
    return new LogisticRegression(
      j.nClasses,
      j.nFeatures,
      j.options,
      Float64Array.from(j.weights),
      Float64Array.from(j.bias),
    );
  }
}

/** Limited-memory BFGS (m = 10) with a backtracking Armijo line search; minimises f from x0. */
function lbfgs(
  f: (x: Float64Array, g: Float64Array) => number,
  x0: Float64Array,
  maxIter: number,
  tol: number,
): Float64Array {
  const dim = x0.length;
  const m = 10;
  const s: Float64Array[] = [];
  const yv: Float64Array[] = [];
  const rho: number[] = [];
  let x = x0;
  let g = new Float64Array(dim);
  let fx = f(x, g);
  const dir = new Float64Array(dim);
  const alpha = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array) => {
    let t = 0;
    for (let i = 0; i < dim; i++) t += a[i] * b[i];
    return t;
  };
  for (let it = 0; it < maxIter; it++) {
    const gnorm = Math.sqrt(dot(g, g));
    if (gnorm <= tol * Math.max(1, Math.abs(fx))) break;
    // Two-loop recursion: dir = -H g.
    for (let i = 0; i < dim; i++) dir[i] = -g[i];
    for (let j = s.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(s[j], dir);
      for (let i = 0; i < dim; i++) dir[i] -= alpha[j] * yv[j][i];
    }
    const gamma = s.length
      ? dot(s[s.length - 1], yv[yv.length - 1]) / dot(yv[yv.length - 1], yv[yv.length - 1])
      : 1 / Math.max(gnorm, 1);
    for (let i = 0; i < dim; i++) dir[i] *= gamma;
    for (let j = 0; j < s.length; j++) {
      const beta = rho[j] * dot(yv[j], dir);
      for (let i = 0; i < dim; i++) dir[i] += s[j][i] * (alpha[j] - beta);
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      for (let i = 0; i < dim; i++) dir[i] = -g[i];
      slope = -gnorm * gnorm;
      s.length = 0;
      yv.length = 0;
      rho.length = 0;
    }
    let step = 1;
    const xn = new Float64Array(dim);
    const gn = new Float64Array(dim);
    let fn = Infinity;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < dim; i++) xn[i] = x[i] + step * dir[i];
      fn = f(xn, gn);
      if (fn <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fn < fx)) break;
    const sk = new Float64Array(dim);
    const yk = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      sk[i] = xn[i] - x[i];
      yk[i] = gn[i] - g[i];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === m) {
        s.shift();
        yv.shift();
        rho.shift();
      }
      s.push(sk);
      yv.push(yk);
      rho.push(1 / sy);
    }
    const converged = Math.abs(fx - fn) <= 1e-10 * Math.max(1, Math.abs(fx));
    x = xn;
    g = gn;
    fx = fn;
    if (converged) break;
  }
  return x;
}
