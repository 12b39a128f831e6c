/**
 * Leave-one-corpus-out for the networks: for each held-out corpus, a fresh network is trained
 * on the other corpora with the deep path (runDeepFold: the trainer's recipe, early stopping on
 * validation speakers), tested on every clip of the held-out corpus under each channel
 * condition (the clips pass through the condition before their features), and scored like the
 * classical LOCO (loco.ts: argmax over the labels the held-out corpus has, pooled UAR, WA,
 * macro-F1, confusion, ECE). The validation speakers come from every training corpus
 * (valSpeakersPerCorpus each, a seeded choice), never from the held-out corpus; so does the
 * optional calibration (a temperature and uniform share fitted on the kept model's
 * predictions for those validation speakers). Folds may run in worker threads (`jobs`).
 */
import * as tf from '@tensorflow/tfjs';
import type { HistoryEntry } from '../../../core/bundle.js';
import type { Calibration } from '../../../core/calibration.js';
import { Rng } from '../../../core/random.js';
import type { BackendName } from '../../backend.js';
import type { Utterance } from '../../datasets/types.js';
import { parseTrainOptions, TrainError, type TrainOptionsInput } from '../options.js';
import type { BatchProgress } from '../trainer.js';
import { runDeepFold, type DeepFold, type DeepFoldContext, type DeepFoldOutcome } from './deep.js';
import { runFoldsInWorkers } from './deep-pool.js';
import {
  fitCalibrationOn,
  meanUarOf,
  padInto,
  restrict,
  scoreCondition,
  type LocoCorpusResult,
  type LocoEvaluation,
  type ScoredRows,
} from './loco.js';

/**
 * The epoch cap of a network under LOCO unless --epochs says otherwise (the recipe otherwise:
 * batch 32, cosine learning rate over these epochs, SpecAugment for networks on features, random
 * crops, no speed/gain/noise copies, the weights of the last third of the epochs averaged; the
 * validation speakers below still give the curves and the calibration rows). The LOCO network
 * rows in results/ were run before that recipe (two
 * copies for every network, dropout 0.3, patience 8); results/README.md gives their options.
 * A LOCO training set is 1,150-3,200 clips (EMO-DB + RAVDESS .. RAVDESS + ASED, validation
 * speakers taken out), 3-7x an EMO-DB LOSO fold, so six epochs are
 * about 220-600 optimiser steps at batch 32 (an EMO-DB LOSO fold under cnn2d-lstm's default:
 * 60 epochs of ~15 batches, ~900 steps), and the three folds cost about half an hour of one core (measured: 0.021 CPU s
 * per clip and epoch, 0.045 per clip for the augmented copies' features); 30 epochs would
 * cost over two hours, more than a shared machine gives in a working session.
 */
export const LOCO_DEEP_EPOCHS = 6;

/** Validation speakers drawn from each training corpus for early stopping. */
export const LOCO_VAL_SPEAKERS_PER_CORPUS = 2;

export interface LocoDeepOptions {
  model: string;
  /** Test conditions, comma-separated chains as --channel (default studio). */
  channel?: string;
  /** Seeds the validation speakers, the conditions and (unless train.seed) the trainer. */
  seed?: number;
  noiseDir?: string;
  /** Trainer options (epochs default LOCO_DEEP_EPOCHS); modelName and data are set here. */
  train?: Partial<TrainOptionsInput>;
  valSpeakersPerCorpus?: number;
  /** Fit a calibration on the validation speakers' predictions (training corpora only). */
  calibrate?: boolean;
  /** Keep every test clip's probabilities (for ensembles). */
  keepPredictions?: boolean;
  /** Folds trained at once in worker threads (default 1). */
  jobs?: number;
  backend?: BackendName;
  onCorpus?: (r: LocoDeepCorpusResult) => void;
  onBatch?: (fold: number, p: BatchProgress) => void;
}

/** A held-out corpus's result, with the network's validation speakers and training curve. */
export interface LocoDeepCorpusResult extends LocoCorpusResult {
  valSpeakers: string[];
  nVal: number;
  history: HistoryEntry[];
}

export interface LocoDeepEvaluation extends LocoEvaluation {
  results: LocoDeepCorpusResult[];
}

const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * One fold per held-out corpus: validation = `perCorpus` speakers of each training corpus (the
 * same seeded choice in every fold), train = the rest of the training corpora, test = every
 * clip of the held-out corpus; labels = the canonical labels the training corpora have.
 */
export function locoDeepFolds(
  items: readonly Utterance[],
  labels: readonly string[],
  perCorpus: number,
  seed: number,
): DeepFold[] {
  const corpora = [...new Set(items.map((u) => u.corpus))];
  const valSpeakers = new Set<string>();
  for (const c of corpora) {
    const speakers = sortedUnique(items.filter((u) => u.corpus === c).map((u) => u.speaker));
    if (perCorpus >= speakers.length) {
      throw new TrainError(
        `corpus ${c} has ${speakers.length} speakers; holding out ${perCorpus} for validation leaves none to train on`,
      );
    }
    new Rng(seed)
      .shuffle(speakers)
      .slice(0, perCorpus)
      .forEach((s) => valSpeakers.add(`${c}\u0000${s}`));
  }
  const isVal = (u: Utterance) => valSpeakers.has(`${u.corpus}\u0000${u.speaker}`);
  return corpora.map((heldOut) => {
    const idx = (f: (u: Utterance) => boolean) => items.flatMap((u, i) => (f(u) ? [i] : []));
    const train = idx((u) => u.corpus !== heldOut && !isVal(u));
    const val = idx((u) => u.corpus !== heldOut && isVal(u));
    const have = new Set<string>([...train, ...val].map((i) => items[i].label));
    return {
      name: heldOut,
      testSpeakers: sortedUnique(items.filter((u) => u.corpus === heldOut).map((u) => u.speaker)),
      train,
      val,
      test: idx((u) => u.corpus === heldOut),
      labels: labels.filter((l) => have.has(l)),
    };
  });
}

/** Label indices (into `labels`) that `items` have. */
const present = (labels: readonly string[], items: readonly Utterance[]) => {
  const have = new Set<string>(items.map((u) => u.label));
  return labels.flatMap((l, i) => (have.has(l) ? [i] : []));
};

/**
 * The validation predictions as calibration rows: each item's probabilities restricted to the
 * labels its own corpus has (as the held-out corpus's are at test), padded to the fold's labels.
 */
function validationRows(fold: DeepFold, out: DeepFoldOutcome, items: readonly Utterance[]): ScoredRows {
  const labels = fold.labels!;
  const val = fold.val!.map((i) => items[i]);
  const rows: ScoredRows = { probs: [], truth: [] };
  for (const c of new Set(val.map((u) => u.corpus))) {
    const keep = present(
      labels,
      items.filter((u) => u.corpus === c),
    );
    const at = val.flatMap((u, k) => (u.corpus === c ? [k] : []));
    padInto(
      rows,
      {
        probs: at.map((k) => restrict(out.validation!.probabilities[k], keep)),
        truth: at.map((k) => keep.indexOf(labels.indexOf(val[k].label))),
      },
      keep,
      labels.length,
    );
  }
  return rows;
}

/** Scores one fold's outcome like a classical LOCO corpus result. */
function corpusResult(
  fold: DeepFold,
  out: DeepFoldOutcome,
  items: readonly Utterance[],
  o: LocoDeepOptions,
): LocoDeepCorpusResult {
  const labels = fold.labels!;
  const test = fold.test.map((i) => items[i]);
  const unknown = test.find((u) => !labels.includes(u.label));
  if (unknown) {
    throw new TrainError(
      `held-out corpus ${fold.name} has label ${unknown.label}, which none of the training corpora has`,
    );
  }
  const keep = present(labels, test);
  const names = keep.map((k) => labels[k]);
  const truth = test.map((u) => names.indexOf(u.label));
  const cal: Calibration | null = o.calibrate ? fitCalibrationOn([validationRows(fold, out, items)]) : null;
  const p = out.result.params as {
    keptEpoch: number | null;
    epochs: number;
    averaged: { fromEpoch: number; toEpoch: number } | null;
  };
  return {
    heldOut: fold.name,
    trainCorpora: [...new Set(fold.train.map((i) => items[i].corpus))],
    nTrain: fold.train.length,
    labels: names,
    chosen: p.averaged
      ? `weights averaged over epochs ${p.averaged.fromEpoch}-${p.averaged.toEpoch} of ${p.epochs}`
      : `epoch ${p.keptEpoch ?? p.epochs} of ${p.epochs} (best validation UAR)`,
    innerUar: null,
    temperature: cal?.temperature ?? null,
    uncertainBelow: cal?.uncertainBelow ?? null,
    uniformShare: cal ? (cal.uniformShare ?? 0) : null,
    conditions: out.conditions!.map((c) =>
      scoreCondition(
        c.name,
        c.probabilities.map((q) => restrict(q, keep)),
        truth,
        names,
        cal,
        { seed: o.seed, keepPredictions: o.keepPredictions },
      ),
    ),
    seconds: out.result.seconds,
    valSpeakers: sortedUnique(fold.val!.map((i) => items[i].speaker)),
    nVal: fold.val!.length,
    history: out.result.history,
    ...(o.keepPredictions ? { paths: test.map((u) => u.path), truth: test.map((u) => u.label) } : {}),
  };
}

/**
 * Leave-one-corpus-out of a network over `items` (several corpora, speakers unique across
 * corpora), `signals` decoded at the model's feature sample rate.
 */
export async function evaluateLocoDeep(
  items: readonly Utterance[],
  signals: Map<string, Float32Array>,
  labels: readonly string[],
  o: LocoDeepOptions,
): Promise<LocoDeepEvaluation> {
  const t0 = performance.now();
  const corpora = [...new Set(items.map((u) => u.corpus))];
  if (corpora.length < 2) {
    throw new TrainError(`leave-one-corpus-out needs at least 2 corpora, got ${corpora.length}`);
  }
  const seed = o.seed ?? 1;
  const perCorpus = o.valSpeakersPerCorpus ?? LOCO_VAL_SPEAKERS_PER_CORPUS;
  const folds = locoDeepFolds(items, labels, perCorpus, seed);
  const trainOptions = {
    seed,
    epochs: LOCO_DEEP_EPOCHS,
    ...o.train,
    modelName: o.model,
    corpus: corpora.join('+'),
  };
  const ctx: DeepFoldContext = {
    items,
    signals,
    labels: [...labels],
    trainOptions,
    speakerNorm: false,
    protocol: 'loco',
    conditions: { channel: o.channel ?? 'studio', seed, noiseDir: o.noiseDir },
  };
  const results: LocoDeepCorpusResult[] = new Array(folds.length);
  const finished = (fi: number, out: DeepFoldOutcome) => {
    results[fi] = corpusResult(folds[fi], out, items, o);
    o.onCorpus?.(results[fi]);
  };
  const jobs = o.jobs ?? 1;
  if (jobs === 1) {
    for (const [fi, fold] of folds.entries()) {
      finished(fi, await runDeepFold(ctx, fold, o.onBatch ? (p) => o.onBatch!(fi, p) : undefined));
    }
  } else {
    await runFoldsInWorkers(ctx, folds, {
      jobs,
      backend: o.backend ?? (tf.getBackend() as BackendName),
      onBatch: o.onBatch,
      onDone: finished,
    });
  }
  return {
    model: o.model,
    protocol: 'loco',
    corpora,
    results,
    meanUar: meanUarOf(results),
    seconds: (performance.now() - t0) / 1000,
    config: {
      ...trainOptions,
      valSpeakersPerCorpus: perCorpus,
      calibrated: Boolean(o.calibrate),
      calibration: o.calibrate
        ? `temperature and uniform share fitted on the validation speakers of the training corpora${parseTrainOptions(trainOptions).average ? '' : ' (also used for early stopping)'}`
        : null,
      jobs,
    },
  };
}
