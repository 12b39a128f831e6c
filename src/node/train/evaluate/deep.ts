/**
 * Deep models through the same folds as the classical ones: each fold trains a fresh network
 * with the trainer (early stopping on held-out *training* speakers only, never the test
 * speaker), classifies the test speaker's utterances the way the Predictor does, and the
 * predictions of all folds are pooled. Folds can run in worker threads (`jobs`); every fold is
 * seeded on its own, so the pooled result is the same as in one thread.
 */
import * as tf from '@tensorflow/tfjs';
import type { BundleManifest, HistoryEntry } from '../../../core/bundle.js';
import { extractFeatures } from '../../../core/features/index.js';
import {
  meanWindowProbabilities,
  normaliseInPlace,
  Predictor,
  utteranceNormaliseInPlace,
  windowFrames,
} from '../../../core/predict.js';
import { frameWindows } from '../../../core/windows.js';
import type { BackendName } from '../../backend.js';
import type { Utterance } from '../../datasets/types.js';
import { assertNoSpeakerLeak, makeFolds, type Fold, type FoldOptions, type Protocol } from './cv.js';
import {
  labelsOf,
  summarise,
  type FoldResult,
  type ItemPrediction,
  type ModelEvaluation,
} from './evaluate.js';
import { runFoldsInWorkers } from './deep-pool.js';
import { TrainError, type TrainOptionsInput } from '../options.js';
import { speakerNormaliseFrames } from './speaker-norm.js';
import { trainModel, type BatchProgress } from '../trainer.js';
import { pretrain, type PretrainInput } from '../pretrain.js';
import { modelInput } from '../../../core/models/registry.js';
import { parseChannelList } from '../../../core/channel/chain.js';
import { loadChannelResources } from '../../channel/resources.js';
import { conditionTransform, type ClipTransform } from '../classical-features.js';

export interface DeepEvalOptions {
  model: string;
  protocol: Protocol;
  corpus: string;
  foldOptions?: FoldOptions;
  /** Passed to the trainer (epochs, lr, augment, valSpeakers...); modelName and data are set here. */
  train?: Partial<TrainOptionsInput>;
  /** Per-speaker normalisation of the feature frames (training, validation and test speakers). */
  speakerNorm?: boolean;
  /** Folds trained at once in worker threads (default 1: in this thread). */
  jobs?: number;
  /** Backend the workers initialise (default: the active tfjs backend). */
  backend?: BackendName;
  /**
   * Pretraining: one network trained first on these utterances (other corpora, none of the
   * evaluated speakers), on the evaluation's labels (clips of other labels left out), with the
   * same options and normalisation; every fold then starts from its weights instead of a
   * fresh initialisation.
   */
  pretrain?: Pick<PretrainInput, 'items' | 'signals' | 'corpus'>;
  onPretrainBatch?: (p: BatchProgress) => void;
  /** After each pretraining epoch. */
  onPretrainEpoch?: (e: HistoryEntry) => void;
  onFold?: (fold: FoldResult, index: number, total: number) => void;
  onBatch?: (fold: number, p: BatchProgress) => void;
}

/** What one fold produces; plain data, so it can come back from a worker thread. */
export interface DeepFoldOutcome {
  result: FoldResult;
  predictions: ItemPrediction[];
  /**
   * With ctx.conditions: the probabilities (over the fold's labels) of every test item under
   * each channel condition, in fold.test order; `predictions` are those of the first condition.
   */
  conditions?: { name: string; probabilities: number[][] }[];
  /** With fold.val: the kept model's probabilities for the validation items (calibration rows). */
  validation?: { probabilities: number[][]; truth: string[] };
}

/**
 * A fold with its own validation items and label set (leave-one-corpus-out: validation
 * speakers drawn from every training corpus, labels of the training corpora); without them,
 * the trainer draws `valSpeakers` from fold.train and the labels are the context's.
 */
export interface DeepFold extends Fold {
  val?: number[];
  labels?: string[];
}

/** Test-time channel conditions (comma-separated chains, as --channel) seeded per clip. */
export interface DeepConditions {
  channel: string;
  seed: number;
  noiseDir?: string;
}

/** Everything a fold needs besides its own indices (also what a worker receives). */
export interface DeepFoldContext {
  items: readonly Utterance[];
  signals: Map<string, Float32Array>;
  labels: string[];
  trainOptions: Partial<TrainOptionsInput> & { modelName: string; corpus: string };
  speakerNorm: boolean;
  protocol: string;
  /** Test every fold under these conditions (each re-extracts the test clips' features). */
  conditions?: DeepConditions;
  /** Every fold's starting weights (a pretrained network), instead of a fresh initialisation. */
  initialWeights?: Float32Array[];
}

/** The condition transforms of a context, their resources (noise, codec) loaded once per context. */
const transformsOf = new WeakMap<DeepFoldContext, Promise<{ name: string; t: ClipTransform }[]>>();
function conditionTransforms(
  ctx: DeepFoldContext,
  sampleRate: number,
): Promise<{ name: string; t: ClipTransform }[]> {
  let t = transformsOf.get(ctx);
  if (!t) {
    const c = ctx.conditions!;
    const chains = parseChannelList(c.channel);
    t = loadChannelResources(chains, { sampleRate, noiseDir: c.noiseDir }).then((resources) =>
      chains.map((chain) => ({
        name: chain.name,
        t: conditionTransform(chain, c.seed, resources, sampleRate),
      })),
    );
    transformsOf.set(ctx, t);
  }
  return t;
}

/**
 * Test-time per-speaker normalisation: raw features of all of a speaker's test clips, z-scored
 * with that speaker's statistics (no labels), then the model's own normalisation, windows, mean
 * window probabilities.
 */
async function speakerNormProbabilities(
  model: tf.LayersModel,
  manifest: BundleManifest,
  test: readonly Utterance[],
  signals: Map<string, Float32Array>,
): Promise<Float32Array[]> {
  const utt = manifest.normalisation.utterance;
  const raw = test.map((u) => {
    const m = extractFeatures(signals.get(u.path)!, manifest.featureConfig);
    return utt ? { ...m, data: utteranceNormaliseInPlace(Float32Array.from(m.data), m.coeffs, utt) } : m;
  });
  const normed = speakerNormaliseFrames(
    raw,
    test.map((u) => u.speaker),
  );
  const { window, hop } = windowFrames(manifest);
  const out: Float32Array[] = [];
  for (const m of normed) {
    normaliseInPlace(m.data, m.coeffs, manifest.normalisation.mean, manifest.normalisation.std);
    out.push(await meanWindowProbabilities(model, frameWindows(m.data, m.coeffs, window, hop)));
  }
  return out;
}

/** Trains on one fold's training items and predicts its test items (under each condition, if any). */
export async function runDeepFold(
  ctx: DeepFoldContext,
  fold: DeepFold,
  onBatch?: (p: BatchProgress) => void,
): Promise<DeepFoldOutcome> {
  const tf0 = performance.now();
  const { items, signals } = ctx;
  const labels = fold.labels ?? ctx.labels;
  const result = await trainModel({
    ...ctx.trainOptions,
    train: fold.train.map((i) => items[i]),
    ...(fold.val ? { validation: fold.val.map((i) => items[i]) } : {}),
    signals,
    labels,
    speakerNorm: ctx.speakerNorm,
    protocol: `${ctx.protocol} fold ${fold.name}`,
    ...(ctx.initialWeights ? { initialWeights: ctx.initialWeights } : {}),
    onBatch,
  });
  const test = fold.test.map((i) => items[i]);
  const order = result.manifest.labels;
  const inOrder = (p: ArrayLike<number>) => labels.map((l) => p[order.indexOf(l)] ?? 0);
  const predictor = Predictor.fromBundle({ model: result.model, manifest: result.manifest });
  const predict = async (us: readonly Utterance[], t?: ClipTransform) => {
    const out: number[][] = [];
    for (const [k, u] of us.entries()) {
      const x = signals.get(u.path)!;
      out.push(inOrder(await predictor.probabilities(t ? await t.apply(x, u.path, k) : x)));
    }
    return out;
  };
  let conditions: DeepFoldOutcome['conditions'];
  let probs: number[][];
  if (ctx.speakerNorm) {
    probs = (await speakerNormProbabilities(result.model, result.manifest, test, signals)).map(inOrder);
  } else if (ctx.conditions) {
    conditions = [];
    for (const { name, t } of await conditionTransforms(ctx, result.manifest.featureConfig.sampleRate)) {
      conditions.push({ name, probabilities: await predict(test, t) });
    }
    probs = conditions[0].probabilities;
  } else {
    probs = await predict(test);
  }
  const val = fold.val?.map((i) => items[i]);
  const validation = val ? { probabilities: await predict(val), truth: val.map((u) => u.label) } : undefined;
  result.model.dispose();
  let correct = 0;
  const predictions = test.map((u, k) => {
    const p = probs[k];
    const predicted = labels[p.indexOf(Math.max(...p))];
    if (predicted === u.label) correct++;
    return {
      path: u.path,
      speaker: u.speaker,
      label: u.label,
      predicted,
      fold: fold.name,
      probabilities: p.map((v) => Math.round(v * 1e4) / 1e4),
    };
  });
  return {
    predictions,
    ...(conditions ? { conditions } : {}),
    ...(validation ? { validation } : {}),
    result: {
      name: fold.name,
      testSpeakers: fold.testSpeakers,
      nTrain: fold.train.length,
      nTest: fold.test.length,
      wa: correct / fold.test.length,
      params: {
        epochs: result.history.length,
        valSpeakers: result.valSpeakers,
        stoppedEarly: result.stoppedEarly,
        keptEpoch: result.keptEpoch,
        averaged: result.averaged,
      },
      innerUar: null,
      history: result.history,
      seconds: (performance.now() - tf0) / 1000,
    },
  };
}

export async function evaluateDeep(
  items: readonly Utterance[],
  signals: Map<string, Float32Array>,
  o: DeepEvalOptions,
): Promise<ModelEvaluation> {
  const t0 = performance.now();
  const labels = labelsOf(items);
  const plan = makeFolds(items, o.protocol, o.foldOptions);
  const jobs = o.jobs ?? 1;
  if (!(Number.isInteger(jobs) && jobs >= 1))
    throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
  if (o.speakerNorm && modelInput(o.model) === 'waveform') {
    throw new TrainError(
      `per-speaker normalisation needs a feature-based model; ${o.model} takes the raw waveform`,
    );
  }
  if (plan.speakerIndependent) for (const fold of plan.folds) assertNoSpeakerLeak(fold, items);
  const trainOptions = { ...o.train, modelName: o.model, corpus: o.corpus };
  const pretrained = o.pretrain
    ? await pretrain({
        ...o.pretrain,
        labels,
        target: items,
        // Its own threads, not jobs x threads: the result does not depend on --jobs.
        options: trainOptions,
        speakerNorm: o.speakerNorm,
        onBatch: o.onPretrainBatch,
        ...(o.onPretrainEpoch ? { onEpoch: (_: unknown, e: HistoryEntry) => o.onPretrainEpoch!(e) } : {}),
      })
    : null;
  const ctx: DeepFoldContext = {
    items,
    signals,
    labels,
    trainOptions,
    speakerNorm: Boolean(o.speakerNorm),
    protocol: plan.protocol,
    ...(pretrained ? { initialWeights: pretrained.weights } : {}),
  };
  const outcomes: DeepFoldOutcome[] = new Array(plan.folds.length);
  const finished = (fi: number, out: DeepFoldOutcome) => {
    outcomes[fi] = out;
    o.onFold?.(out.result, fi, plan.folds.length);
  };
  if (jobs === 1 || plan.folds.length === 1) {
    for (const [fi, fold] of plan.folds.entries()) {
      finished(fi, await runDeepFold(ctx, fold, o.onBatch ? (p) => o.onBatch!(fi, p) : undefined));
    }
  } else {
    await runFoldsInWorkers(ctx, plan.folds, {
      jobs,
      backend: o.backend ?? (tf.getBackend() as BackendName),
      onBatch: o.onBatch,
      onDone: finished,
    });
  }
  // Pooled in fold order whatever order the workers finished in.
  const predictions = outcomes.flatMap((r) => r.predictions);
  return {
    model: o.model,
    protocol: o.protocol,
    corpus: o.corpus,
    speakerNorm: Boolean(o.speakerNorm),
    tuned: false,
    ...summarise(predictions, labels),
    folds: outcomes.map((r) => r.result),
    predictions,
    seconds: (performance.now() - t0) / 1000,
    seed: trainOptions.seed ?? o.foldOptions?.seed,
    config: {
      ...trainOptions,
      jobs,
      protocolDescription: plan.description,
      speakerIndependent: plan.speakerIndependent,
      ...(pretrained ? { pretrain: pretrained.summary } : {}),
    },
  };
}
