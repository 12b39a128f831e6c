/**
 * Multi-class C-SVM: one-vs-one binary SVMs trained by SMO (smo.ts) on a linear or RBF
 * kernel, with LIBSVM-style probability estimates (Platt sigmoids fitted on internal
 * cross-validation decision values, then pairwise coupling). Class weights 'balanced' scale C
 * per class by n / (k * n_class), which matters for UAR on unbalanced corpora.
 */
import type { Matrix } from './matrix.js';
import { row } from './matrix.js';
import { fitSigmoid, pairwiseCoupling, sigmoidProbability, type Sigmoid } from './platt.js';
import { argmaxRows } from './random-forest.js';
import { seededRng, shuffleInPlace } from '../random.js';
import { solveSmo } from './smo.js';

export type SvmKernel = 'linear' | 'rbf';

export interface SvmOptions {
  kernel: SvmKernel;
  /** Penalty on margin violations. */
  C: number;
  /** RBF width: K = exp(-gamma |x - y|^2); 'scale' = 1 / (features * variance of x), as scikit-learn. */
  gamma: number | 'scale';
  classWeight: 'balanced' | null;
  /** Fit Platt sigmoids so predictProba is calibrated (5 internal folds per pair, costs ~5x). */
  probability: boolean;
  /** Stopping tolerance of SMO (LIBSVM's eps). */
  tol: number;
  seed: number;
}

export const DEFAULT_SVM_OPTIONS: SvmOptions = {
  kernel: 'rbf',
  C: 1,
  gamma: 'scale',
  classWeight: null,
  probability: true,
  tol: 1e-3,
  seed: 1,
};

interface PairModel {
  /** Class indices: a is +1, b is -1. */
  a: number;
  b: number;
  /** Indices into the support-vector list and their coefficients alpha_i * y_i. */
  sv: Int32Array;
  coef: Float64Array;
  rho: number;
  sigmoid: Sigmoid | null;
}

export interface SvmJSON {
  nClasses: number;
  nFeatures: number;
  kernel: SvmKernel;
  gamma: number;
  options: SvmOptions;
  supportVectors: number[][];
  pairs: { a: number; b: number; sv: number[]; coef: number[]; rho: number; sigmoid: Sigmoid | null }[];
}

/** Kernel matrix between the rows of a (n x d) and b (m x d), n x m row-major. */
export function kernelMatrix(a: Matrix, b: Matrix, kernel: SvmKernel, gamma: number): Float64Array {
  const d = a.cols;
  if (b.cols !== d) throw new RangeError(`kernelMatrix: ${a.cols} vs ${b.cols} columns`);
  const out = new Float64Array(a.rows * b.rows);
  const same = a === b;
  const na = kernel === 'rbf' ? squaredNorms(a) : null;
  const nb = kernel === 'rbf' ? (same ? na! : squaredNorms(b)) : null;
  for (let i = 0; i < a.rows; i++) {
    const ai = i * d;
    for (let j = same ? i : 0; j < b.rows; j++) {
      const bj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += a.data[ai + c] * b.data[bj + c];
      const v = kernel === 'rbf' ? Math.exp(-gamma * Math.max(0, na![i] + nb![j] - 2 * s)) : s;
      out[i * b.rows + j] = v;
      if (same) out[j * b.rows + i] = v;
    }
  }
  return out;
}

function squaredNorms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (const v of row(m, r)) s += v * v;
    out[r] = s;
  }
  return out;
}

/** scikit-learn's gamma='scale': 1 / (d * var(x)) over all values. */
export function scaleGamma(x: Matrix): number {
  let mean = 0;
  for (const v of x.data) mean += v;
  mean /= x.data.length;
  let v2 = 0;
  for (const v of x.data) v2 += (v - mean) * (v - mean);
  const variance = v2 / x.data.length;
  return variance > 0 ? 1 / (x.cols * variance) : 1;
}

/** The sub-kernel over the given sample indices (m x m). */
function subKernel(k: Float64Array, n: number, idx: ArrayLike<number>): Float64Array {
  const m = idx.length;
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const o = idx[i] * n;
    for (let j = 0; j < m; j++) out[i * m + j] = k[o + idx[j]];
  }
  return out;
}

interface BinaryModel {
  alpha: Float64Array;
  rho: number;
}

function trainBinary(
  k: Float64Array,
  n: number,
  idx: number[],
  y: Int8Array,
  cPos: number,
  cNeg: number,
  tol: number,
): BinaryModel {
  const r = solveSmo(subKernel(k, n, idx), y, cPos, cNeg, tol);
  return { alpha: r.alpha, rho: r.rho };
}

function binaryDecision(
  k: Float64Array,
  n: number,
  trainIdx: number[],
  y: Int8Array,
  m: BinaryModel,
  x: number,
): number {
  let s = -m.rho;
  for (let t = 0; t < trainIdx.length; t++)
    if (m.alpha[t] !== 0) s += m.alpha[t] * y[t] * k[x * n + trainIdx[t]];
  return s;
}

/** LIBSVM's svm_binary_svc_probability: decision values from 5-fold CV, then a Platt fit. */
function cvSigmoid(
  k: Float64Array,
  n: number,
  idx: number[],
  y: Int8Array,
  cPos: number,
  cNeg: number,
  o: SvmOptions,
): Sigmoid {
  const m = idx.length;
  const folds = Math.min(5, m);
  const perm = shuffleInPlace(
    Array.from({ length: m }, (_, i) => i),
    seededRng(o.seed),
  ) as number[];
  const dec = new Float64Array(m);
  for (let f = 0; f < folds; f++) {
    const start = Math.floor((f * m) / folds);
    const end = Math.floor(((f + 1) * m) / folds);
    const test = perm.slice(start, end);
    const train = perm.slice(0, start).concat(perm.slice(end));
    const ty = Int8Array.from(train, (t) => y[t]);
    const pos = ty.filter((v) => v > 0).length;
    if (pos === 0 || pos === ty.length) {
      for (const t of test) dec[t] = pos > 0 ? 1 : -1;
      continue;
    }
    const trIdx = train.map((t) => idx[t]);
    const model = trainBinary(k, n, trIdx, ty, cPos, cNeg, o.tol);
    for (const t of test) dec[t] = binaryDecision(k, n, trIdx, ty, model, idx[t]);
  }
  return fitSigmoid(dec, y);
}

export class Svm {
  private constructor(
    readonly nClasses: number,
    readonly options: SvmOptions,
    /** The resolved RBF width. */
    readonly gamma: number,
    private readonly supportVectors: Matrix,
    private readonly pairs: PairModel[],
  ) {}

  /** Trains on rows of x with class indices y in [0, nClasses). Classes absent from y get probability 0. */
  static fit(x: Matrix, y: ArrayLike<number>, nClasses: number, opts: Partial<SvmOptions> = {}): Svm {
    const o: SvmOptions = { ...DEFAULT_SVM_OPTIONS, ...opts };
    if (!(o.C > 0)) throw new RangeError(`SVM C must be > 0, got ${o.C}`);
    if (o.gamma !== 'scale' && !(o.gamma > 0))
      throw new RangeError(`SVM gamma must be > 0 or 'scale', got ${o.gamma}`);
    if (y.length !== x.rows) throw new RangeError(`Svm.fit: ${x.rows} rows but ${y.length} labels`);
    const n = x.rows;
    const byClass: number[][] = Array.from({ length: nClasses }, () => []);
    for (let i = 0; i < n; i++) {
      const c = y[i];
      if (!(Number.isInteger(c) && c >= 0 && c < nClasses))
        throw new RangeError(`Svm.fit: label ${c} outside [0, ${nClasses})`);
      byClass[c].push(i);
    }
    const present = byClass.map((l, c) => (l.length > 0 ? c : -1)).filter((c) => c >= 0);
    if (present.length < 2) throw new RangeError('Svm.fit: at least two classes must have training rows');
    const weight = (c: number) =>
      o.classWeight === 'balanced' ? n / (present.length * byClass[c].length) : 1;
    const gamma = o.gamma === 'scale' ? scaleGamma(x) : o.gamma;
    const k = kernelMatrix(x, x, o.kernel, gamma);

    const raw: {
      a: number;
      b: number;
      idx: number[];
      coef: Float64Array;
      rho: number;
      sigmoid: Sigmoid | null;
    }[] = [];
    const used = new Uint8Array(n);
    for (let ai = 0; ai < present.length; ai++) {
      for (let bi = ai + 1; bi < present.length; bi++) {
        const a = present[ai];
        const b = present[bi];
        const idx = byClass[a].concat(byClass[b]);
        const yy = Int8Array.from(idx, (_, t) => (t < byClass[a].length ? 1 : -1));
        const cPos = o.C * weight(a);
        const cNeg = o.C * weight(b);
        const sigmoid = o.probability ? cvSigmoid(k, n, idx, yy, cPos, cNeg, o) : null;
        const model = trainBinary(k, n, idx, yy, cPos, cNeg, o.tol);
        const svIdx: number[] = [];
        const coef: number[] = [];
        idx.forEach((s, t) => {
          if (model.alpha[t] > 0) {
            svIdx.push(s);
            coef.push(model.alpha[t] * yy[t]);
            used[s] = 1;
          }
        });
        raw.push({ a, b, idx: svIdx, coef: Float64Array.from(coef), rho: model.rho, sigmoid });
      }
    }
    // Compact the support vectors shared by all pairs.
    const svRows: number[] = [];
    const where = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++)
      if (used[i]) {
        where[i] = svRows.length;
        svRows.push(i);
      }
    const sv: Matrix = { data: new Float64Array(svRows.length * x.cols), rows: svRows.length, cols: x.cols };
    svRows.forEach((r, i) => sv.data.set(row(x, r), i * x.cols));
    const pairs = raw.map((p) => ({ ...p, sv: Int32Array.from(p.idx, (i) => where[i]) }));
    return new Svm(nClasses, o, gamma, sv, pairs);
  }

  get supportVectorCount(): number {
    return this.supportVectors.rows;
  }

  /** One-vs-one decision values, rows x pairs (row-major), and the pair list. */
  decisionFunction(x: Matrix): { values: Float64Array; pairs: [number, number][] } {
    if (x.cols !== this.supportVectors.cols) {
      throw new RangeError(`Svm: expected ${this.supportVectors.cols} columns, got ${x.cols}`);
    }
    const k = kernelMatrix(x, this.supportVectors, this.options.kernel, this.gamma);
    const nsv = this.supportVectors.rows;
    const P = this.pairs.length;
    const values = new Float64Array(x.rows * P);
    for (let r = 0; r < x.rows; r++) {
      this.pairs.forEach((p, q) => {
        let s = -p.rho;
        for (let t = 0; t < p.sv.length; t++) s += p.coef[t] * k[r * nsv + p.sv[t]];
        values[r * P + q] = s;
      });
    }
    return { values, pairs: this.pairs.map((p) => [p.a, p.b]) };
  }

  /**
   * Class probabilities, rows x nClasses. With probability estimates, pairwise coupling of the
   * Platt sigmoids; without, the share of one-vs-one votes.
   */
  predictProba(x: Matrix): Float64Array {
    const { values } = this.decisionFunction(x);
    const K = this.nClasses;
    const P = this.pairs.length;
    const out = new Float64Array(x.rows * K);
    const present = [...new Set(this.pairs.flatMap((p) => [p.a, p.b]))].sort((a, b) => a - b);
    const pos = new Int32Array(K).fill(-1);
    present.forEach((c, i) => (pos[c] = i));
    const kp = present.length;
    for (let r = 0; r < x.rows; r++) {
      if (this.options.probability) {
        const rr = new Float64Array(kp * kp);
        this.pairs.forEach((p, q) => {
          const prob = Math.min(Math.max(sigmoidProbability(values[r * P + q], p.sigmoid!), 1e-7), 1 - 1e-7);
          rr[pos[p.a] * kp + pos[p.b]] = prob;
          rr[pos[p.b] * kp + pos[p.a]] = 1 - prob;
        });
        const pr = pairwiseCoupling(rr, kp);
        present.forEach((c, i) => (out[r * K + c] = pr[i]));
      } else {
        this.pairs.forEach((p, q) => (out[r * K + (values[r * P + q] > 0 ? p.a : p.b)] += 1 / P));
      }
    }
    return out;
  }

  predict(x: Matrix): Int32Array {
    return argmaxRows(this.predictProba(x), this.nClasses);
  }

  toJSON(): SvmJSON {
    const { rows, cols } = this.supportVectors;
    return {
      nClasses: this.nClasses,
      nFeatures: cols,
      kernel: this.options.kernel,
      gamma: this.gamma,
      options: this.options,
      supportVectors: Array.from({ length: rows }, (_, i) => Array.from(row(this.supportVectors, i))),
      pairs: this.pairs.map((p) => ({
        a: p.a,
        b: p.b,
        sv: Array.from(p.sv),
        coef: Array.from(p.coef),
        rho: p.rho,
        sigmoid: p.sigmoid,
      })),
    };
  }

  static fromJSON(j: SvmJSON): Svm {
    const sv: Matrix = {
      data: new Float64Array(j.supportVectors.length * j.nFeatures),
      rows: j.supportVectors.length,
      cols: j.nFeatures,
    };
    j.supportVectors.forEach((v, i) => {
      if (v.length !== j.nFeatures)
        throw new RangeError(`Svm.fromJSON: support vector ${i} has ${v.length} values`);
      sv.data.set(v, i * j.nFeatures);
    });
    const pairs = j.pairs.map((p) => ({ ...p, sv: Int32Array.from(p.sv), coef: Float64Array.from(p.coef) }));
    return new Svm(j.nClasses, { ...DEFAULT_SVM_OPTIONS, ...j.options }, j.gamma, sv, pairs);
  }
}
