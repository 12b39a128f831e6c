/** Training options (validated by zod, every default written here). */
import { z } from 'zod';
import { AugmentOptionsSchema } from './augment.js';
import { describeIssues, EmovoxError } from '../../core/errors.js';
import { UTTERANCE_NORMS, type HistoryEntry, type UtteranceNorm } from '../../core/bundle.js';
import { defaultModelEpochs, isModelName } from '../../core/models/registry.js';

/** Epochs of a model that is not registered (the trainer then refuses its name). */
const FALLBACK_EPOCHS = 30;

export const TrainOptionsSchema = z.object({
  /** Registered model name (src/core/models/registry.ts), e.g. 'cnn2d-lstm'. */
  modelName: z.string().min(1),
  /** Overrides of the model's default sizes (ModelConfig); inputSeconds sets the window length. */
  modelConfig: z.record(z.string(), z.unknown()).default({}),
  /** Overrides of the model's input features (its registry entry's, over DEFAULT_FEATURE_CONFIG). */
  featureConfig: z.record(z.string(), z.unknown()).default({}),
  /** Default: the model's own (registry `epochs`: 60 for cnn2d-lstm and cnn1d-lstm, 30 for the plain cnn). */
  epochs: z.number().int().positive().max(10000).optional(),
  batchSize: z.number().int().positive().max(4096).default(32),
  /** Peak learning rate of Adam. */
  lr: z.number().positive().max(1).default(1e-3),
  /** cosine: lr -> lr*minLrRatio over the run; step: x stepGamma every stepEpochs; constant. */
  lrSchedule: z.enum(['cosine', 'step', 'constant']).default('cosine'),
  minLrRatio: z.number().min(0).max(1).default(0.05),
  stepEpochs: z.number().int().positive().default(10),
  stepGamma: z.number().positive().max(1).default(0.5),
  seed: z.number().int().min(0).default(1),
  /**
   * Training speakers held out (speaker-disjoint) for validation and early stopping; 0 = none,
   * the default: with `average` no epoch is chosen on validation, so every training speaker
   * trains (as in the PyTorch anchor). With validation and no averaging, the best validated
   * epoch of the keeping window is kept; with neither, the last epoch.
   */
  valSpeakers: z.number().int().min(0).default(0),
  /**
   * What "better" means on the validation speakers: 'uar' keeps the epoch with the highest
   * validation UAR (ties: the lower loss), 'loss' the lowest validation cross-entropy (which
   * bottoms out early, while the network is still unsure, once it grows confident on its
   * errors).
   */
  earlyStopOn: z.enum(['uar', 'loss']).default('uar'),
  /**
   * Stop after this many epochs (counted inside the keeping window) without a better validation
   * figure; 0 = never: every epoch of the schedule runs, and the best one of the window is kept.
   */
  patience: z.number().int().min(0).default(0),
  /**
   * Share of the schedule before which no epoch's weights are kept: every epoch is validated,
   * but only epochs after floor(keepFrom x epochs) compete (the last third by default, where the
   * cosine rate has come down; an early epoch that happens to suit the one validation speaker is
   * not kept). 0 = every epoch competes.
   */
  keepFrom: z
    .number()
    .min(0)
    .max(1)
    .default(2 / 3),
  /**
   * Weight averaging (SWA-style): the run returns the arithmetic mean of the model's weights at
   * the end of every epoch of the keeping window (from epoch floor(keepFrom x epochs) + 1 on, the
   * last third by default, where the cosine rate is low) instead of the best validated epoch's.
   * With validation speakers the averaged model is validated too (manifest
   * metrics.validation.averaged). On by default (EMO-DB LOSO, README "Features and models").
   */
  average: z.boolean().default(true),
  /**
   * With `average`: SWA's batch-norm step. The averaged weights' batch-norm moving mean and
   * variance are recomputed by one forward pass (no gradients) of the averaged network over the
   * training clips' inference windows (clean copy, as the Predictor slices them): each layer's
   * statistics become the mean over batches of its batch statistics, weighted by batch size.
   * Off (the default): the moving statistics are averaged over the window like every other
   * weight, an approximation (the average of the statistics is not the statistics of the
   * averaged network) that scored higher: on EMO-DB LOSO the pass lowered cnn2d-lstm with and
   * without speaker normalisation (README "Features and models", results/README.md).
   */
  recomputeBatchNorm: z.boolean().default(false),
  /**
   * Mixup (Zhang et al. 2018) with this alpha: each batch (after crop and SpecAugment) is mixed
   * with a permutation of itself by lambda ~ Beta(alpha, alpha), inputs, one-hot targets and
   * loss weights alike (src/node/train/mixup.ts). 0 = off (the default).
   */
  mixup: z.number().min(0).max(100).default(0),
  /** Weight each class's loss by N / (K * N_class), so rare emotions count as much as common ones. */
  classWeights: z.boolean().default(true),
  /**
   * Weight each training corpus's loss so that every corpus counts the same whatever its size
   * (with classWeights: every (corpus, emotion) cell the same). For several corpora (LOCO).
   */
  corpusWeights: z.boolean().default(false),
  /**
   * Per-utterance normalisation of feature frames before the global one: 'meanStd' (or true)
   * z-normalises each clip's frames per coefficient with the clip's own mean and standard
   * deviation, 'mean' subtracts its mean only; false/null = off. Recorded in the bundle's
   * normalisation, so the Predictor does the same to every clip. Feature models only.
   */
  utteranceNorm: z
    .union([z.boolean(), z.enum(UTTERANCE_NORMS), z.null()])
    .default(null)
    .transform((v): UtteranceNorm | null => (v === true ? 'meanStd' : v === false ? null : v)),
  /** Inference window hop in seconds; default half the window. */
  hopSec: z.number().positive().nullable().default(null),
  augment: AugmentOptionsSchema.default(AugmentOptionsSchema.parse({})),
  /** Recorded in the bundle. */
  corpus: z.string().default(''),
  /**
   * Worker threads for data-parallel training (src/node/parallel): each batch is cut into this
   * many micro-batches, one per thread, and batch normalisation uses each micro-batch's own
   * statistics. 1 = train on the calling thread. A fixed seed gives the same model for the same
   * thread count.
   */
  threads: z.number().int().min(1).max(64).default(1),
});
export type TrainOptions = Omit<z.infer<typeof TrainOptionsSchema>, 'epochs'> & { epochs: number };
export type TrainOptionsInput = z.input<typeof TrainOptionsSchema>;

/** Bad training options (user-facing). */
export class TrainError extends EmovoxError {
  constructor(message: string) {
    super('BAD_TRAINING', message);
  }
}

export function parseTrainOptions(input: TrainOptionsInput): TrainOptions {
  const r = TrainOptionsSchema.safeParse(input);
  if (!r.success) {
    const problems = describeIssues(r.error.issues, '(options)');
    throw new TrainError(`invalid training options: ${problems}`);
  }
  const epochs =
    r.data.epochs ?? (isModelName(r.data.modelName) ? defaultModelEpochs(r.data.modelName) : FALLBACK_EPOCHS);
  return { ...r.data, epochs };
}

/** Whether a validated epoch beats the best so far: higher UAR (ties: lower loss), or lower loss. */
export function improves(entry: HistoryEntry, best: HistoryEntry, on: TrainOptions['earlyStopOn']): boolean {
  const loss = entry.valLoss! < best.valLoss!;
  if (on === 'loss') return loss;
  return entry.valUar! > best.valUar! || (entry.valUar === best.valUar && loss);
}

/** The first (1-based) epoch whose weights may be kept under `keepFrom`. */
export function firstKeptEpoch(o: Pick<TrainOptions, 'epochs' | 'keepFrom'>): number {
  return Math.min(o.epochs, Math.floor(o.keepFrom * o.epochs) + 1);
}

/**
 * The epoch whose weights a run keeps: the first validated epoch from `from` on not beaten by a
 * later one (null without validation figures).
 */
export function keptEpoch(history: HistoryEntry[], on: TrainOptions['earlyStopOn'], from = 1): number | null {
  let best: HistoryEntry | null = null;
  for (const e of history) {
    if (e.epoch < from || e.valLoss === null || e.valUar === null) continue;
    if (best === null || improves(e, best, on)) best = e;
  }
  return best?.epoch ?? null;
}

/** Learning rate for a 0-based epoch under the schedule. */
export function learningRate(
  o: Pick<TrainOptions, 'lr' | 'lrSchedule' | 'minLrRatio' | 'stepEpochs' | 'stepGamma' | 'epochs'>,
  epoch: number,
): number {
  if (o.lrSchedule === 'constant') return o.lr;
  if (o.lrSchedule === 'step') return o.lr * Math.pow(o.stepGamma, Math.floor(epoch / o.stepEpochs));
  const t = o.epochs <= 1 ? 0 : epoch / (o.epochs - 1);
  const min = o.lr * o.minLrRatio;
  return min + 0.5 * (o.lr - min) * (1 + Math.cos(Math.PI * t));
}
