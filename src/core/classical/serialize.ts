/**
 * Compact JSON for fitted classical pipelines (scaler -> PCA -> SVM or Random Forest), as they
 * travel in a model bundle's `classical.json` and are downloaded by the web page:
 * - every fitted real number (quantile knots and network weights included) is written as the shortest decimal that reads back as the same
 *   float32 (about 8 characters instead of 18), and
 * - a linear SVM's one-vs-one machines are collapsed to one weight vector each
 *   (w = sum of coef_i * sv_i), stored as a "support vector" with coefficient 1, so the
 *   decision value w.x - rho is the same function while the file holds classes*(classes-1)/2
 *   vectors instead of every training row that became a support vector.
 * The result is an ordinary ClassicalPipelineJSON: ClassicalPipeline.fromJSON reads it.
 */
import type { ClassicalPipelineJSON } from './pipeline.js';
import type { LogisticJSON } from './logistic.js';
import type { MlpJSON } from './mlp.js';
import type { PcaJSON } from './pca.js';
import type { RandomForestJSON } from './random-forest.js';
import type { ScalerJSON } from './scaler.js';
import type { SvmJSON } from './svm.js';

/** The shortest decimal (6 to 9 significant digits) that reads back as the float32 nearest x. */
export function roundFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const f = Math.fround(x);
  for (let digits = 6; digits < 9; digits++) {
    const v = Number(f.toPrecision(digits));
    if (Math.fround(v) === f) return v;
  }
  return Number(f.toPrecision(9));
}

const r32 = (a: readonly number[]): number[] => a.map(roundFloat32);

export function compactScaler(s: ScalerJSON): ScalerJSON {
  // A std that is tiny but positive must stay positive (fromJSON refuses std <= 0).
  return { mean: r32(s.mean), std: s.std.map((v) => (roundFloat32(v) > 0 ? roundFloat32(v) : v)) };
}

export function compactPca(p: PcaJSON): PcaJSON {
  return {
    mean: r32(p.mean),
    components: p.components.map(r32),
    explainedVariance: r32(p.explainedVariance),
    totalVariance: p.totalVariance,
  };
}

/** Linear SVM: one weight vector per pair. RBF SVM: the support vectors, rounded. */
export function compactSvm(s: SvmJSON): SvmJSON {
  if (s.kernel !== 'linear') {
    return {
      ...s,
      supportVectors: s.supportVectors.map(r32),
      pairs: s.pairs.map((p) => ({ ...p, coef: r32(p.coef) })),
    };
  }
  const weights = s.pairs.map((p) => {
    const w = new Float64Array(s.nFeatures);
    p.sv.forEach((i, t) => {
      const v = s.supportVectors[i];
      for (let c = 0; c < w.length; c++) w[c] += p.coef[t] * v[c];
    });
    return r32(Array.from(w));
  });
  return {
    ...s,
    supportVectors: weights,
    pairs: s.pairs.map((p, q) => ({ a: p.a, b: p.b, sv: [q], coef: [1], rho: p.rho, sigmoid: p.sigmoid })),
  };
}

export function compactForest(f: RandomForestJSON): RandomForestJSON {
  return {
    ...f,
    trees: f.trees.map((t) => ({ ...t, threshold: r32(t.threshold), value: r32(t.value) })),
  };
}

export function compactLogistic(l: LogisticJSON): LogisticJSON {
  return { ...l, weights: r32(l.weights), bias: r32(l.bias) };
}

export function compactMlp(m: MlpJSON): MlpJSON {
  return {
    ...m,
    members: m.members.map((p) => ({ w1: r32(p.w1), b1: r32(p.b1), w2: r32(p.w2), b2: r32(p.b2) })),
  };
}

/** The pipeline's JSON with rounded numbers and collapsed linear machines (featureNames kept). */
export function compactPipelineJSON(j: ClassicalPipelineJSON): ClassicalPipelineJSON {
  return {
    ...j,
    scaler: compactScaler(j.scaler),
    // Rounding is monotone, so the knots stay non-decreasing.
    ...(j.quantile ? { quantile: { ...j.quantile, knots: j.quantile.knots.map(r32) } } : {}),
    pca: j.pca ? compactPca(j.pca) : null,
    classifier:
      'svm' in j.classifier
        ? { svm: compactSvm(j.classifier.svm) }
        : 'logistic' in j.classifier
          ? { logistic: compactLogistic(j.classifier.logistic) }
          : 'mlp' in j.classifier
            ? { mlp: compactMlp(j.classifier.mlp) }
            : { rf: compactForest(j.classifier.rf) },
  };
}
