/**
 * Honest evaluation: runs a model kind through the folds of a protocol and pools every fold's
 * test predictions before computing WA, UAR, macro-F1, per-class figures and the confusion
 * matrix. Hyperparameters are fixed, or (with tune) chosen by inner leave-one-speaker-out on
 * the training speakers of each fold only; the test speaker is never looked at.
 */
import type { HistoryEntry } from '../../../core/bundle.js';
import type { Matrix } from '../../../core/classical/matrix.js';
import { takeRows } from '../../../core/classical/matrix.js';
import { firstAppearanceIndices, mlpDomainKind } from '../../../core/classical/mlp.js';
import { seededRng, shuffleInPlace } from '../../../core/random.js';
import {
  ClassicalPipeline,
  defaultPipelineConfig,
  type ClassicalModelName,
  type ClassicalPipelineConfig,
} from '../../../core/classical/pipeline.js';
import { EMOTIONS } from '../../../core/labels.js';
import {
  assertNoSpeakerLeak,
  losoFolds,
  makeFolds,
  type FoldOptions,
  type FoldPlan,
  type Protocol,
} from './cv.js';
import {
  confusionMatrix,
  macroF1,
  perClass,
  uar,
  weightedAccuracy,
  type ClassMetrics,
  type Confusion,
} from './metrics.js';
import { speakerNormaliseRows } from './speaker-norm.js';

export interface EvalItem {
  path: string;
  speaker: string;
  label: string;
}

export interface FoldResult {
  name: string;
  testSpeakers: string[];
  nTrain: number;
  nTest: number;
  /** Fold accuracy; fold UAR is noisy or undefined (classes missing), so only pooled UAR is headline. */
  wa: number;
  /** Hyperparameters used in this fold (chosen on the training speakers when tuning). */
  params: Record<string, unknown>;
  /** Inner-validation UAR of the chosen setting (tuning only). */
  innerUar: number | null;
  /** Per-epoch curves (deep models). */
  history: HistoryEntry[];
  seconds: number;
}

export interface SpeakerResult {
  speaker: string;
  n: number;
  wa: number;
  /** Over the classes this speaker has. */
  uar: number;
}

export interface ItemPrediction {
  path: string;
  speaker: string;
  label: string;
  predicted: string;
  fold: string;
  probabilities: number[];
}

export interface ModelEvaluation {
  model: string;
  protocol: Protocol;
  corpus: string;
  speakerNorm: boolean;
  tuned: boolean;
  uar: number;
  wa: number;
  macroF1: number;
  confusion: Confusion;
  perClass: ClassMetrics[];
  perSpeaker: SpeakerResult[];
  folds: FoldResult[];
  predictions: ItemPrediction[];
  seconds: number;
  config: Record<string, unknown>;
  /** Seed of the folds and models (recorded so that saved runs can be checked before reuse). */
  seed?: number;
  /** The evaluation file this result was read from (--from-json), if any. */
  source?: string;
}

export interface TuneGrid {
  /** Each candidate is merged into the pipeline config. */
  candidates: { name: string; apply: (c: ClassicalPipelineConfig) => ClassicalPipelineConfig }[];
}

/** Logistic regression's C values as tune candidates. */
export function logisticCGrid(values: readonly number[]): TuneGrid {
  return {
    candidates: values.map((C) => ({
      name: `C=${C}`,
      apply: (c: ClassicalPipelineConfig) => ({ ...c, logistic: { ...c.logistic, C } }),
    })),
  };
}

/** Candidate weight decays (AdamW lambda) of the descriptor MLP; by default half a decade apart around its default. */
export function mlpDecayGrid(values: readonly number[] = [0.1, 0.3, 1, 3]): TuneGrid {
  return {
    candidates: values.map((weightDecay) => ({
      name: `weightDecay=${weightDecay}`,
      apply: (c: ClassicalPipelineConfig) => ({ ...c, mlp: { ...c.mlp, weightDecay } }),
    })),
  };
}

/** The default search spaces for --tune (small: every candidate costs an inner LOSO). */
export function defaultTuneGrid(model: ClassicalModelName): TuneGrid {
  const svm = (params: Record<string, number>) => ({
    name: Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    apply: (c: ClassicalPipelineConfig) => ({ ...c, svm: { ...c.svm, ...params } }),
  });
  if (model === 'logistic') return logisticCGrid([0.0003, 0.001, 0.003, 0.01]);
  if (model === 'mlp') return mlpDecayGrid();
  if (model === 'svm-linear') return { candidates: [0.001, 0.003, 0.01, 0.03, 0.1].map((C) => svm({ C })) };
  if (model === 'svm') {
    // C around the default at gamma 'scale' (1 / features, ~0.0009 here), then gamma a few
    // times smaller and larger: 5 candidates, each costing one inner leave-one-speaker-out.
    return {
      candidates: [
        ...[1, 10, 100].map((C) => ({
          name: `C=${C} gamma=scale`,
          apply: (c: ClassicalPipelineConfig) => ({ ...c, svm: { ...c.svm, C, gamma: 'scale' as const } }),
        })),
        svm({ C: 10, gamma: 0.0003 }),
        svm({ C: 10, gamma: 0.003 }),
      ],
    };
  }
  return {
    candidates: (['sqrt', 0.1, 0.3] as const).map((maxFeatures) => ({
      name: `maxFeatures=${maxFeatures}`,
      apply: (c: ClassicalPipelineConfig) => ({ ...c, rf: { ...c.rf, maxFeatures } }),
    })),
  };
}

/**
 * Each row's speaker as an integer (read by the MLP's adversary and baseline swap only); none for
 * a corpus adversary, which one corpus's items cannot feed (Mlp.fit then refuses it).
 */
function speakerIds(
  items: readonly EvalItem[],
  rows: readonly number[],
  cfg: ClassicalPipelineConfig,
): Int32Array | undefined {
  if (mlpDomainKind(cfg.mlp) === 'corpus') return undefined;
  return firstAppearanceIndices(rows.map((i) => items[i].speaker)).indices;
}

function labelIndices(items: readonly EvalItem[], idx: number[], labels: string[]): Int32Array {
  const at = new Map(labels.map((l, i) => [l, i]));
  return Int32Array.from(idx, (i) => at.get(items[i].label)!);
}

/** Pooled inner-LOSO UAR of one config on the given training rows (for tuning). */
function innerLosoUar(
  x: Matrix,
  items: readonly EvalItem[],
  trainIdx: number[],
  labels: string[],
  cfg: ClassicalPipelineConfig,
): number {
  const sub = trainIdx.map((i) => items[i]);
  const truth: string[] = [];
  const pred: string[] = [];
  for (const f of losoFolds(sub)) {
    const tr = f.train.map((i) => trainIdx[i]);
    const te = f.test.map((i) => trainIdx[i]);
    const fast = {
      ...cfg,
      svm: { ...cfg.svm, probability: false },
      rf: { ...cfg.rf, nTrees: Math.min(cfg.rf.nTrees ?? 300, 100) },
    };
    const p = ClassicalPipeline.fit(
      takeRows(x, tr),
      labelIndices(items, tr, labels),
      labels,
      fast,
      [],
      undefined,
      speakerIds(items, tr, fast),
    );
    const yhat = p.predict(takeRows(x, te));
    te.forEach((i, k) => {
      truth.push(items[i].label);
      pred.push(labels[yhat[k]]);
    });
  }
  return uar(confusionMatrix(labels, truth, pred));
}

export interface ClassicalEvalOptions {
  model: ClassicalModelName;
  protocol: Protocol;
  corpus: string;
  foldOptions?: FoldOptions;
  speakerNorm?: boolean;
  /**
   * With speakerNorm: the test speaker's statistics come from this many of their clips, drawn
   * at random (seeded), instead of all of them, as a speaker profile of that size would give.
   * Training speakers keep all of their clips, as in a trained bundle. Null = all clips.
   */
  profileClips?: number | null;
  tune?: boolean;
  /** Overrides of the default pipeline config (PCA, C, gamma, trees...). */
  config?: Partial<ClassicalPipelineConfig>;
  grid?: TuneGrid;
  /**
   * Test rows come from this matrix (same items, e.g. the clips under a channel condition)
   * instead of x; training and tuning still use x. With speakerNorm the test speaker is
   * normalised with the statistics of these rows (what a profile recorded on that channel gives).
   */
  testX?: Matrix;
  onFold?: (fold: FoldResult, index: number, total: number) => void;
}

/** Labels in canonical order (then any others alphabetically), for the classes in items. */
export function labelsOf(items: readonly EvalItem[]): string[] {
  const present = new Set(items.map((u) => u.label));
  const canon = EMOTIONS.filter((e) => present.has(e)) as string[];
  return canon.concat([...present].filter((l) => !canon.includes(l)).sort());
}

/** Summarises pooled predictions into the headline figures. */
export function summarise(
  predictions: ItemPrediction[],
  labels: string[],
): Pick<ModelEvaluation, 'uar' | 'wa' | 'macroF1' | 'confusion' | 'perClass' | 'perSpeaker'> {
  const confusion = confusionMatrix(
    labels,
    predictions.map((p) => p.label),
    predictions.map((p) => p.predicted),
  );
  const speakers = [...new Set(predictions.map((p) => p.speaker))].sort();
  const perSpeaker = speakers.map((s) => {
    const mine = predictions.filter((p) => p.speaker === s);
    const c = confusionMatrix(
      labels,
      mine.map((p) => p.label),
      mine.map((p) => p.predicted),
    );
    return { speaker: s, n: mine.length, wa: weightedAccuracy(c), uar: uar(c) };
  });
  return {
    uar: uar(confusion),
    wa: weightedAccuracy(confusion),
    macroF1: macroF1(confusion),
    confusion,
    perClass: perClass(confusion),
    perSpeaker,
  };
}

/** Evaluates a classical pipeline on precomputed utterance features x (one row per item). */
export function evaluateClassical(
  x: Matrix,
  items: readonly EvalItem[],
  o: ClassicalEvalOptions,
): ModelEvaluation {
  const t0 = performance.now();
  if (x.rows !== items.length) throw new RangeError(`${x.rows} feature rows for ${items.length} utterances`);
  const labels = labelsOf(items);
  const plan: FoldPlan = makeFolds(items, o.protocol, o.foldOptions);
  const speakers = items.map((u) => u.speaker);
  const xn = o.speakerNorm ? speakerNormaliseRows(x, speakers) : x;
  const rng = seededRng(o.foldOptions?.seed ?? 1);
  const xt = o.testX ?? x;
  if (xt.rows !== x.rows || xt.cols !== x.cols)
    throw new RangeError(`test rows ${xt.rows} x ${xt.cols}, training rows ${x.rows} x ${x.cols}`);
  const xTest =
    o.speakerNorm && o.profileClips
      ? speakerNormaliseRows(xt, speakers, (rows) =>
          (shuffleInPlace([...rows], rng) as number[]).slice(0, o.profileClips!),
        )
      : o.testX
        ? o.speakerNorm
          ? speakerNormaliseRows(xt, speakers)
          : xt
        : xn;
  const base: ClassicalPipelineConfig = { ...defaultPipelineConfig(o.model), ...o.config };
  const grid = o.grid ?? defaultTuneGrid(o.model);
  const predictions: ItemPrediction[] = [];
  const folds: FoldResult[] = [];
  plan.folds.forEach((fold, fi) => {
    const tf = performance.now();
    if (plan.speakerIndependent) assertNoSpeakerLeak(fold, items);
    let cfg = base;
    let innerUar: number | null = null;
    let chosen = 'default';
    if (o.tune) {
      let best = -1;
      for (const cand of grid.candidates) {
        const c = cand.apply(base);
        const score = innerLosoUar(xn, items, fold.train, labels, c);
        if (score > best) {
          best = score;
          cfg = c;
          chosen = cand.name;
        }
      }
      innerUar = best;
    }
    const pipe = ClassicalPipeline.fit(
      takeRows(xn, fold.train),
      labelIndices(items, fold.train, labels),
      labels,
      cfg,
      [],
      undefined,
      speakerIds(items, fold.train, cfg),
    );
    const proba = pipe.predictProba(takeRows(xTest, fold.test));
    const k = labels.length;
    let correct = 0;
    fold.test.forEach((i, r) => {
      const p = Array.from(proba.subarray(r * k, (r + 1) * k));
      const predicted = labels[p.indexOf(Math.max(...p))];
      if (predicted === items[i].label) correct++;
      predictions.push({
        ...items[i],
        predicted,
        fold: fold.name,
        probabilities: p.map((v) => Math.round(v * 1e4) / 1e4),
      });
    });
    const result: FoldResult = {
      name: fold.name,
      testSpeakers: fold.testSpeakers,
      nTrain: fold.train.length,
      nTest: fold.test.length,
      wa: correct / fold.test.length,
      params: o.tune ? { chosen } : {},
      innerUar,
      history: [],
      seconds: (performance.now() - tf) / 1000,
    };
    folds.push(result);
    o.onFold?.(result, fi, plan.folds.length);
  });
  return {
    model: o.model,
    protocol: o.protocol,
    corpus: o.corpus,
    speakerNorm: Boolean(o.speakerNorm),
    tuned: Boolean(o.tune),
    ...summarise(predictions, labels),
    folds,
    predictions,
    seconds: (performance.now() - t0) / 1000,
    seed: o.foldOptions?.seed,
    config: {
      ...base,
      protocolDescription: plan.description,
      speakerIndependent: plan.speakerIndependent,
      features: x.cols,
      ...(o.speakerNorm && o.profileClips ? { profileClips: o.profileClips } : {}),
    },
  };
}

/** The --json document: the specified fields first, then per-class, per-speaker, settings and per-item predictions. */
export function evaluationJson(e: ModelEvaluation): Record<string, unknown> {
  return {
    protocol: e.protocol,
    corpus: e.corpus,
    model: e.model,
    uar: e.uar,
    wa: e.wa,
    macroF1: e.macroF1,
    confusion: { labels: e.confusion.labels, matrix: e.confusion.matrix },
    folds: e.folds.map((f) => ({ ...f, history: f.history.length > 0 ? f.history : undefined })),
    speakerNorm: e.speakerNorm,
    tuned: e.tuned,
    perClass: e.perClass,
    perSpeaker: e.perSpeaker,
    seconds: e.seconds,
    seed: e.seed,
    source: e.source,
    config: e.config,
    /** Pooled per-utterance predictions with probabilities (in confusion.labels order), for reuse. */
    predictions: e.predictions,
  };
}
