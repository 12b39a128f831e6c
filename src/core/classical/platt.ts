/**
 * Probability estimates for SVMs: Platt's sigmoid fitted to decision values (with the
 * Newton method and targets of Lin, Lin & Weng 2007, as in LIBSVM), and pairwise coupling of
 * one-vs-one probabilities into class probabilities (Wu, Lin & Weng 2004, method 2).
 */

export interface Sigmoid {
  a: number;
  b: number;
}

/** Fits P(y = +1 | f) = 1 / (1 + exp(a f + b)) to decision values f and labels (+1 / -1). */
export function fitSigmoid(dec: ArrayLike<number>, labels: ArrayLike<number>): Sigmoid {
  const n = dec.length;
  let prior1 = 0;
  for (let i = 0; i < n; i++) if (labels[i] > 0) prior1++;
  const prior0 = n - prior1;
  const hi = (prior1 + 1) / (prior1 + 2);
  const lo = 1 / (prior0 + 2);
  const t = Float64Array.from({ length: n }, (_, i) => (labels[i] > 0 ? hi : lo));
  const objective = (a: number, b: number) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = dec[i] * a + b;
      f += z >= 0 ? t[i] * z + Math.log1p(Math.exp(-z)) : (t[i] - 1) * z + Math.log1p(Math.exp(z));
    }
    return f;
  };
  let a = 0;
  let b = Math.log((prior0 + 1) / (prior1 + 1));
  let fval = objective(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let h11 = 1e-12;
    let h22 = 1e-12;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < n; i++) {
      const z = dec[i] * a + b;
      let p: number;
      let q: number;
      if (z >= 0) {
        p = Math.exp(-z) / (1 + Math.exp(-z));
        q = 1 / (1 + Math.exp(-z));
      } else {
        p = 1 / (1 + Math.exp(z));
        q = Math.exp(z) / (1 + Math.exp(z));
      }
      const d2 = p * q;
      h11 += dec[i] * dec[i] * d2;
      h22 += d2;
      h21 += dec[i] * d2;
      const d1 = t[i] - p;
      g1 += dec[i] * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-5 && Math.abs(g2) < 1e-5) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= 1e-10) {
      const na = a + step * dA;
      const nb = b + step * dB;
      const nf = objective(na, nb);
      if (nf < fval + 1e-4 * step * gd) {
        a = na;
        b = nb;
        fval = nf;
        break;
      }
      step /= 2;
    }
    if (step < 1e-10) break;
  }
  return { a, b };
}

/** P(y = +1 | f) under a fitted sigmoid. */
export function sigmoidProbability(f: number, s: Sigmoid): number {
  const z = f * s.a + s.b;
  return z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
}

/**
 * Couples pairwise probabilities r[i][j] = P(class i | class i or j) (k x k row-major,
 * r[j][i] = 1 - r[i][j]) into class probabilities summing to 1.
 */
export function pairwiseCoupling(r: Float64Array, k: number): Float64Array {
  const p = new Float64Array(k).fill(1 / k);
  if (k === 1) return p;
  const Q = new Float64Array(k * k);
  for (let t = 0; t < k; t++) {
    for (let j = 0; j < k; j++) {
      if (j === t) continue;
      Q[t * k + t] += r[j * k + t] * r[j * k + t];
      Q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  const Qp = new Float64Array(k);
  const eps = 0.005 / k;
  for (let iter = 0; iter < Math.max(100, k); iter++) {
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      Qp[t] = 0;
      for (let j = 0; j < k; j++) Qp[t] += Q[t * k + j] * p[j];
      pQp += p[t] * Qp[t];
    }
    let maxErr = 0;
    for (let t = 0; t < k; t++) maxErr = Math.max(maxErr, Math.abs(Qp[t] - pQp));
    if (maxErr < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-Qp[t] + pQp) / Q[t * k + t];
      p[t] += diff;
      pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
        p[j] /= 1 + diff;
      }
    }
  }
  return p;
}
