/**
 * Sequential minimal optimisation for the two-class C-SVM dual, following LIBSVM
 * (Chang & Lin 2011; working-set selection by second-order information, Fan, Chen & Lin 2005):
 *   min_a 1/2 a^T Q a - e^T a   subject to 0 <= a_i <= C_i, y^T a = 0,  Q_ij = y_i y_j K_ij.
 * The kernel matrix is given in full (the problems here have a few hundred samples), so no
 * kernel cache or shrinking is needed.
 */

export interface SmoResult {
  /** Lagrange multipliers, one per sample. */
  alpha: Float64Array;
  /** Decision function f(x) = sum_i alpha_i y_i K(x_i, x) - rho. */
  rho: number;
  iterations: number;
}

const TAU = 1e-12;

/**
 * Solves the dual for m samples with labels y (+1/-1) and the m x m kernel matrix k
 * (row-major). cPos / cNeg are the box constraints of the positive / negative samples.
 */
export function solveSmo(
  k: Float64Array,
  y: Int8Array,
  cPos: number,
  cNeg: number,
  eps = 1e-3,
  maxIter = Math.max(1_000_000, 100 * y.length),
): SmoResult {
  const m = y.length;
  if (k.length !== m * m) throw new RangeError(`solveSmo: kernel has ${k.length} values, expected ${m * m}`);
  const alpha = new Float64Array(m);
  const G = new Float64Array(m).fill(-1);
  const C = new Float64Array(m).map((_, i) => (y[i] > 0 ? cPos : cNeg));
  const QD = new Float64Array(m).map((_, i) => k[i * m + i]);
  const upper = (t: number) => alpha[t] >= C[t];
  const lower = (t: number) => alpha[t] <= 0;
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // Select i: the most violating sample in I_up.
    let gmax = -Infinity;
    let gmax2 = -Infinity;
    let i = -1;
    for (let t = 0; t < m; t++) {
      if (y[t] > 0) {
        if (!upper(t) && -G[t] >= gmax) {
          gmax = -G[t];
          i = t;
        }
      } else if (!lower(t) && G[t] >= gmax) {
        gmax = G[t];
        i = t;
      }
    }
    if (i < 0) break;
    // Select j: the sample in I_low that most decreases the objective (second-order).
    let j = -1;
    let objMin = Infinity;
    const yi = y[i];
    const ro = i * m;
    for (let t = 0; t < m; t++) {
      const qit = yi * y[t] * k[ro + t];
      if (y[t] > 0) {
        if (!lower(t)) {
          const gd = gmax + G[t];
          if (G[t] >= gmax2) gmax2 = G[t];
          if (gd > 0) {
            const quad = QD[i] + QD[t] - 2 * yi * qit;
            const obj = -(gd * gd) / (quad > 0 ? quad : TAU);
            if (obj <= objMin) {
              j = t;
              objMin = obj;
            }
          }
        }
      } else if (!upper(t)) {
        const gd = gmax - G[t];
        if (-G[t] >= gmax2) gmax2 = -G[t];
        if (gd > 0) {
          const quad = QD[i] + QD[t] + 2 * yi * qit;
          const obj = -(gd * gd) / (quad > 0 ? quad : TAU);
          if (obj <= objMin) {
            j = t;
            objMin = obj;
          }
        }
      }
    }
    if (gmax + gmax2 < eps || j < 0) break;
    // Analytic update of the pair (i, j), clipped to the box.
    const Ci = C[i];
    const Cj = C[j];
    const oldI = alpha[i];
    const oldJ = alpha[j];
    const qij = y[i] * y[j] * k[i * m + j];
    if (y[i] !== y[j]) {
      let quad = QD[i] + QD[j] + 2 * qij;
      if (quad <= 0) quad = TAU;
      const delta = (-G[i] - G[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = diff;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = -diff;
      }
      if (diff > Ci - Cj) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci;
          alpha[j] = Ci - diff;
        }
      } else if (alpha[j] > Cj) {
        alpha[j] = Cj;
        alpha[i] = Cj + diff;
      }
    } else {
      let quad = QD[i] + QD[j] - 2 * qij;
      if (quad <= 0) quad = TAU;
      const delta = (G[i] - G[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      if (sum > Ci) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci;
          alpha[j] = sum - Ci;
        }
      } else if (alpha[j] < 0) {
        alpha[j] = 0;
        alpha[i] = sum;
      }
      if (sum > Cj) {
        if (alpha[j] > Cj) {
          alpha[j] = Cj;
          alpha[i] = sum - Cj;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = sum;
      }
    }
    const dI = alpha[i] - oldI;
    const dJ = alpha[j] - oldJ;
    const ri = i * m;
    const rj = j * m;
    for (let t = 0; t < m; t++) {
      G[t] += y[i] * y[t] * k[ri + t] * dI + y[j] * y[t] * k[rj + t] * dJ;
    }
  }
  // rho: the mean of y_i G_i over free samples, else the middle of the feasible interval.
  let ub = Infinity;
  let lb = -Infinity;
  let nFree = 0;
  let sumFree = 0;
  for (let t = 0; t < m; t++) {
    const yG = y[t] * G[t];
    if (upper(t)) {
      if (y[t] < 0) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (lower(t)) {
      if (y[t] > 0) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      nFree++;
      sumFree += yG;
    }
  }
  const rho = nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
  return { alpha, rho, iterations: iter };
}
