/**
 * Scores one deep tuning trial on the training speakers only. `--inner loso`: pooled UAR over
 * inner leave-one-speaker-out folds through evaluateDeep (what `emovox evaluate` runs); `--inner
 * holdout`: a seeded speaker-disjoint validation split of N speakers inside the trainer, with
 * the figures of the epoch the trainer kept. Loaded on demand (it pulls in TensorFlow.js).
 */
import type { HistoryEntry } from '../../../core/bundle.js';
import type { Utterance } from '../../datasets/types.js';
import { evaluateDeep } from '../evaluate/deep.js';
import { labelsOf } from '../evaluate/evaluate.js';
import type { TrainOptionsInput } from '../options.js';
import { trainModel, type BatchProgress } from '../trainer.js';
import { fromEvaluation, type InnerProtocol, type TrialScore } from './score.js';

/** The epoch with the lowest validation loss (the one the trainer keeps), or the last one. */
export function keptEpoch(history: readonly HistoryEntry[]): number {
  let best: HistoryEntry | null = null;
  for (const h of history) if (h.valLoss !== null && (best === null || h.valLoss < best.valLoss!)) best = h;
  return (best ?? history[history.length - 1])?.epoch ?? 0;
}

export interface DeepScoreOptions {
  model: string;
  /** Trainer options of the trial (lr, modelConfig, augment, epochs...). */
  train: Partial<TrainOptionsInput>;
  /** Per-speaker normalisation of the feature frames (each speaker's own statistics, no labels). */
  speakerNorm?: boolean;
  /** --inner loso: folds trained at once in worker threads. */
  jobs?: number;
  backend?: 'wasm' | 'cpu';
  inner: InnerProtocol;
  /** holdout: validation speakers. */
  valSpeakers: number;
  seed: number;
  corpus?: string;
  onBatch?: (p: BatchProgress) => void;
}

export async function scoreDeep(
  items: readonly Utterance[],
  signals: Map<string, Float32Array>,
  o: DeepScoreOptions,
): Promise<TrialScore> {
  const labels = labelsOf(items);
  if (o.inner === 'loso') {
    const e = await evaluateDeep(items, signals, {
      model: o.model,
      protocol: 'loso',
      corpus: o.corpus ?? '',
      train: { ...o.train, seed: o.seed },
      speakerNorm: o.speakerNorm,
      jobs: o.jobs,
      backend: o.backend,
      onBatch: o.onBatch ? (_fold, p) => o.onBatch!(p) : undefined,
    });
    const epochs = e.folds.reduce((a, f) => a + keptEpoch(f.history), 0) / e.folds.length;
    return fromEvaluation(e, labels, epochs);
  }
  const result = await trainModel({
    ...o.train,
    modelName: o.model,
    corpus: o.corpus ?? '',
    seed: o.seed,
    valSpeakers: o.valSpeakers,
    train: [...items],
    signals,
    labels,
    speakerNorm: o.speakerNorm,
    onBatch: o.onBatch,
  });
  result.model.dispose();
  type Figures = { valLoss: number; valAcc: number; valUar: number };
  const v = result.manifest.metrics.validation as (Figures & { bestEpoch: number }) | undefined;
  if (!v) throw new Error('the trainer kept no validation figures (no validation speakers?)');
  // With weight averaging the returned (averaged) model's figures, which is what a fold would use.
  const a = result.manifest.metrics.averaged as (Partial<Figures> & { toEpoch: number }) | undefined;
  if (a && typeof a.valUar === 'number')
    return { valUar: a.valUar, valWa: a.valAcc!, valLoss: a.valLoss!, epochs: a.toEpoch };
  return { valUar: v.valUar, valWa: v.valAcc, valLoss: v.valLoss, epochs: v.bestEpoch };
}
