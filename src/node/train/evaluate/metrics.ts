/**
 * Classification metrics on pooled predictions: the confusion matrix and what follows from it.
 * Rows of the matrix are the true labels, columns the predicted ones. Classes with no true
 * example are handled explicitly: their recall is null and they are left out of UAR and
 * macro-F1 (which average over the classes present in y_true).
 */

export interface Confusion {
  labels: string[];
  /** matrix[t][p] = how many examples of true label t were predicted as p. */
  matrix: number[][];
}

export interface ClassMetrics {
  label: string;
  /** null when the class was never predicted (0 / 0). */
  precision: number | null;
  /** null when the class has no true example (no support). */
  recall: number | null;
  /** null without support; 0 when the class has support but is never predicted correctly. */
  f1: number | null;
  support: number;
  predicted: number;
}

/** Counts (true, predicted) pairs; every label must be one of `labels`. */
export function confusionMatrix(
  labels: string[],
  yTrue: readonly string[],
  yPred: readonly string[],
): Confusion {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`confusionMatrix: ${yTrue.length} true labels but ${yPred.length} predictions`);
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  if (index.size !== labels.length) throw new RangeError('confusionMatrix: labels must be unique');
  const matrix = labels.map(() => labels.map(() => 0));
  yTrue.forEach((t, i) => {
    const ti = index.get(t);
    const pi = index.get(yPred[i]);
    if (ti === undefined)
      throw new RangeError(`confusionMatrix: true label '${t}' is not among ${labels.join(', ')}`);
    if (pi === undefined)
      throw new RangeError(
        `confusionMatrix: predicted label '${yPred[i]}' is not among ${labels.join(', ')}`,
      );
    matrix[ti][pi]++;
  });
  return { labels, matrix };
}

function total(c: Confusion): number {
  return c.matrix.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
}

export function perClass(c: Confusion): ClassMetrics[] {
  return c.labels.map((label, i) => {
    const support = c.matrix[i].reduce((a, b) => a + b, 0);
    const predicted = c.matrix.reduce((s, r) => s + r[i], 0);
    const tp = c.matrix[i][i];
    const precision = predicted > 0 ? tp / predicted : null;
    const recall = support > 0 ? tp / support : null;
    let f1: number | null = null;
    if (support > 0)
      f1 =
        precision !== null && precision + recall! > 0 ? (2 * precision * recall!) / (precision + recall!) : 0;
    return { label, precision, recall, f1, support, predicted };
  });
}

/** Weighted accuracy (WA): correct / total, i.e. plain accuracy. NaN on an empty matrix. */
export function weightedAccuracy(c: Confusion): number {
  const n = total(c);
  return n > 0 ? c.labels.reduce((s, _, i) => s + c.matrix[i][i], 0) / n : NaN;
}

/** Unweighted average recall (UAR): mean recall over the classes present in y_true. */
export function uar(c: Confusion): number {
  const r = perClass(c)
    .map((m) => m.recall)
    .filter((v): v is number => v !== null);
  return r.length > 0 ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
}

/** Macro-F1: mean F1 over the classes present in y_true (a never-predicted class counts as 0). */
export function macroF1(c: Confusion): number {
  const f = perClass(c)
    .map((m) => m.f1)
    .filter((v): v is number => v !== null);
  return f.length > 0 ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}
