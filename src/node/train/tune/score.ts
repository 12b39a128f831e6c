/**
 * Scores one classical tuning trial on training data only (the outer test speakers or corpus
 * were removed before anything was read): pooled UAR over inner leave-one-speaker-out folds,
 * through the same evaluateClassical that `emovox evaluate` uses, or (--protocol loco) the mean
 * per-corpus UAR of an inner leave-one-corpus-out, through the innerLoco that `evaluate
 * --protocol loco --tune` uses. Deep trials: score-deep.ts.
 */
import type { Matrix } from '../../../core/classical/matrix.js';
import { pipelineConfigWith, type ClassicalModelName } from '../../../core/classical/pipeline.js';
import { innerLoco, type LocoInput } from '../evaluate/loco.js';
import {
  evaluateClassical,
  labelsOf,
  type EvalItem,
  type ItemPrediction,
  type ModelEvaluation,
} from '../evaluate/evaluate.js';

export const INNER_PROTOCOLS = ['loso', 'holdout'] as const;
export type InnerProtocol = (typeof INNER_PROTOCOLS)[number];

export interface TrialScore {
  valUar: number;
  valWa: number;
  valLoss: number | null;
  epochs: number | null;
}

/** Mean cross-entropy of pooled predictions (probabilities in the order of `labels`). */
export function pooledLogLoss(predictions: readonly ItemPrediction[], labels: readonly string[]): number {
  if (predictions.length === 0) return NaN;
  let sum = 0;
  for (const p of predictions) sum -= Math.log(Math.max(1e-7, p.probabilities[labels.indexOf(p.label)] ?? 0));
  return sum / predictions.length;
}

/** Classical options named like evaluate's flags (c, gamma, pca, trees, speakerNorm, descriptors). */
export interface ClassicalTrialOptions {
  c?: number;
  gamma?: number | 'scale';
  pca?: number | null;
  trees?: number;
  speakerNorm?: boolean;
  descriptors?: boolean;
}

export function fromEvaluation(e: ModelEvaluation, labels: string[], epochs: number | null): TrialScore {
  return { valUar: e.uar, valWa: e.wa, valLoss: pooledLogLoss(e.predictions, labels), epochs };
}

/** Pooled inner-LOSO figures of a classical setting on precomputed features (rows = items). */
export function scoreClassical(
  x: Matrix,
  items: readonly EvalItem[],
  model: ClassicalModelName,
  o: ClassicalTrialOptions,
  corpus = '',
): TrialScore {
  const e = evaluateClassical(x, items, {
    model,
    protocol: 'loso',
    corpus,
    speakerNorm: Boolean(o.speakerNorm),
    config: pipelineConfigWith(model, o),
  });
  return fromEvaluation(e, labelsOf(items), null);
}

/**
 * Inner leave-one-corpus-out figures of a classical setting over `corpora` (at least 2): each is
 * predicted by a model trained on the others (with their augmented copies; corpora weighted
 * equally with corpusWeight). valUar is the mean per-corpus UAR (what `evaluate --protocol loco
 * --tune` maximises); WA and loss are of the pooled predictions.
 */
export function scoreLoco(
  input: LocoInput,
  corpora: readonly string[],
  model: ClassicalModelName,
  o: ClassicalTrialOptions,
  corpusWeight: boolean,
): TrialScore {
  const [r] = innerLoco(input, corpora, [pipelineConfigWith(model, o)], corpusWeight);
  let right = 0;
  let loss = 0;
  r.probs.forEach((p, i) => {
    if (p.indexOf(Math.max(...p)) === r.truth[i]) right++;
    loss -= Math.log(Math.max(1e-7, p[r.truth[i]]));
  });
  return { valUar: r.uar, valWa: right / r.probs.length, valLoss: loss / r.probs.length, epochs: null };
}
