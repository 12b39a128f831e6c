/**
 * Leave-one-corpus-out (LOCO) evaluation of a classical pipeline: train on every corpus but
 * one, test on the whole unseen corpus (argmax over the labels it has), pool its predictions,
 * and repeat for each corpus. Everything the model chooses is chosen without the held-out
 * corpus: hyperparameters (tune) and the calibration temperature and `uncertain` threshold come
 * from an inner leave-one-corpus-out over the training corpora only. The test clips can pass
 * through channel conditions (telephone, codec, noise, reverb...) before their features: each
 * condition is scored on the same model. Augmented copies of training clips (their descriptor
 * vectors) join the training rows; they never come from the held-out corpus.
 */
import {
  expectedCalibrationError,
  fitTemperature,
  softmaxWithTemperature,
} from '../../../core/calibration.js';
import { takeRows, type Matrix } from '../../../core/classical/matrix.js';
import {
  ClassicalPipeline,
  defaultPipelineConfig,
  type ClassicalModelName,
  type ClassicalPipelineConfig,
} from '../../../core/classical/pipeline.js';
import { defaultTuneGrid, type TuneGrid } from './evaluate.js';
import { confusionMatrix, macroF1, uar, weightedAccuracy, type Confusion } from './metrics.js';

export interface LocoItem {
  path: string;
  speaker: string;
  label: string;
  corpus: string;
}

export interface LocoInput {
  items: readonly LocoItem[];
  /** The label set of the model (every training label). */
  labels: readonly string[];
  /** Studio descriptors, one row per item. */
  x: Matrix;
  /** Descriptors of augmented training copies and the item each copies (training rows only). */
  augmented?: { x: Matrix; of: readonly number[] } | null;
  /** Test descriptors per channel condition, rows = items ('studio' may reuse x). */
  conditions: { name: string; x: Matrix }[];
}

export interface LocoOptions {
  model: ClassicalModelName;
  config?: Partial<ClassicalPipelineConfig>;
  /** Choose among the grid by inner LOCO on the training corpora. */
  tune?: boolean;
  grid?: TuneGrid;
  /** Each training corpus weighs the same (logistic only); otherwise every clip weighs the same. */
  corpusWeight?: boolean;
  /** Fit a temperature and an `uncertain` threshold by inner LOCO on the training corpora. */
  calibrate?: boolean;
  onCorpus?: (r: LocoCorpusResult) => void;
}

export interface LocoConditionResult {
  condition: string;
  n: number;
  uar: number;
  wa: number;
  macroF1: number;
  confusion: Confusion;
  /** Expected calibration error of the (calibrated, when fitted) probabilities over the test labels. */
  ece: number;
  /** Share of test clips marked uncertain (calibration only). */
  uncertainShare: number | null;
}

export interface LocoCorpusResult {
  heldOut: string;
  trainCorpora: string[];
  nTrain: number;
  /** Labels scored: those the held-out corpus has. */
  labels: string[];
  chosen: string;
  innerUar: number | null;
  temperature: number | null;
  uncertainBelow: number | null;
  conditions: LocoConditionResult[];
  seconds: number;
}

export interface LocoEvaluation {
  model: string;
  protocol: 'loco';
  corpora: string[];
  results: LocoCorpusResult[];
  /** Mean UAR over held-out corpora, per condition. */
  meanUar: Record<string, number>;
  config: Record<string, unknown>;
  seconds: number;
}

/** Probabilities restricted to `keep` (label indices) and renormalised. */
function restrict(p: ArrayLike<number>, keep: readonly number[]): number[] {
  const sub = keep.map((k) => p[k]);
  const s = sub.reduce((a, b) => a + b, 0);
  return s > 0 ? sub.map((v) => v / s) : sub.map(() => 1 / keep.length);
}

/** Log-probabilities; a probability of exactly 0 (a label left out) stays impossible. */
const logs = (p: readonly number[]) => p.map((v) => (v > 0 ? Math.log(Math.max(v, 1e-12)) : -Infinity));

/** The calibrated top probability below which answers are marked uncertain: the smallest
 * threshold (0.2 .. 0.8) at which the answers still given are right at least half the time. */
export function chooseUncertainBelow(top: readonly number[], correct: readonly boolean[]): number {
  for (let t = 0.2; t <= 0.8001; t += 0.05) {
    let n = 0;
    let ok = 0;
    top.forEach((p, i) => {
      if (p >= t) {
        n++;
        if (correct[i]) ok++;
      }
    });
    if (n > 0 && ok / n >= 0.5) return Math.round(t * 100) / 100;
  }
  return 0.8;
}

function trainRows(input: LocoInput, trainIdx: readonly number[]): { x: Matrix; idx: number[] } {
  const inTrain = new Set(trainIdx);
  const aug = input.augmented;
  const augRows = aug
    ? aug.of.map((item, r) => [item, r] as const).filter(([item]) => inTrain.has(item))
    : [];
  const cols = input.x.cols;
  const x: Matrix = {
    rows: trainIdx.length + augRows.length,
    cols,
    data: new Float64Array((trainIdx.length + augRows.length) * cols),
  };
  trainIdx.forEach((i, r) => x.data.set(input.x.data.subarray(i * cols, (i + 1) * cols), r * cols));
  augRows.forEach(([, ar], r) =>
    x.data.set(aug!.x.data.subarray(ar * cols, (ar + 1) * cols), (trainIdx.length + r) * cols),
  );
  return { x, idx: [...trainIdx, ...augRows.map(([item]) => item)] };
}

/**
 * Fits the pipeline on the given items (plus their augmented copies); with corpusWeight, each
 * corpus's rows together weigh as much as any other corpus's.
 */
export function fitOnItems(
  input: LocoInput,
  trainIdx: readonly number[],
  cfg: ClassicalPipelineConfig,
  corpusWeight: boolean,
  featureNames: string[] = [],
): ClassicalPipeline {
  const { x, idx } = trainRows(input, trainIdx);
  const at = new Map(input.labels.map((l, i) => [l, i]));
  const y = Int32Array.from(idx, (i) => at.get(input.items[i].label)!);
  let w: Float64Array | undefined;
  if (corpusWeight) {
    const count = new Map<string, number>();
    for (const i of idx) count.set(input.items[i].corpus, (count.get(input.items[i].corpus) ?? 0) + 1);
    const mean = idx.length / count.size;
    w = Float64Array.from(idx, (i) => mean / count.get(input.items[i].corpus)!);
  }
  return ClassicalPipeline.fit(x, y, [...input.labels], cfg, featureNames, w);
}

/** Scored predictions of a fitted pipeline on the given items under one feature matrix. */
function predictItems(
  pipe: ClassicalPipeline,
  x: Matrix,
  input: LocoInput,
  idx: readonly number[],
  keep: readonly number[],
): { probs: number[][]; truth: number[] } {
  const p = pipe.predictProba(takeRows(x, idx));
  const k = input.labels.length;
  const probs = idx.map((_, r) => restrict(p.subarray(r * k, (r + 1) * k), keep));
  const truth = idx.map((i) => keep.indexOf(input.labels.indexOf(input.items[i].label)));
  return { probs, truth };
}

const argmax = (p: readonly number[]) => p.indexOf(Math.max(...p));

function labelsIn(input: LocoInput, idx: readonly number[]): number[] {
  const have = new Set(idx.map((i) => input.items[i].label));
  return input.labels
    .map((l, i) => [l, i] as const)
    .filter(([l]) => have.has(l))
    .map(([, i]) => i);
}

/**
 * Inner LOCO over the training corpora: for each candidate config, every training corpus is
 * predicted by a model trained on the other training corpora. Returns the pooled inner
 * predictions of every candidate and their mean per-corpus UAR.
 */
export function innerLoco(
  input: LocoInput,
  corpora: readonly string[],
  cfgs: readonly ClassicalPipelineConfig[],
  corpusWeight: boolean,
): { uar: number; probs: number[][]; truth: number[] }[] {
  return cfgs.map((cfg) => {
    const probs: number[][] = [];
    const truth: number[] = [];
    let sum = 0;
    for (const inner of corpora) {
      const tr = input.items.flatMap((u, i) => (corpora.includes(u.corpus) && u.corpus !== inner ? [i] : []));
      const te = input.items.flatMap((u, i) => (u.corpus === inner ? [i] : []));
      const keep = labelsIn(input, te);
      const pipe = fitOnItems(input, tr, cfg, corpusWeight);
      const r = predictItems(pipe, input.x, input, te, keep);
      const names = keep.map((k) => input.labels[k]);
      sum += uar(
        confusionMatrix(
          names,
          r.truth.map((t) => names[t]),
          r.probs.map((p) => names[argmax(p)]),
        ),
      );
      // Pooled over inner corpora with different label sets: rows are padded back to the full
      // label set with probability 0 for labels the inner corpus does not have.
      for (const [j, p] of r.probs.entries()) {
        const full = input.labels.map(() => 0);
        keep.forEach((k, m) => (full[k] = p[m]));
        probs.push(full);
        truth.push(keep[r.truth[j]]);
      }
    }
    return { uar: sum / corpora.length, probs, truth };
  });
}

/** Fits temperature and threshold on pooled inner predictions (rows may have different widths). */
export function fitCalibration(
  probs: number[][],
  truth: number[],
): { temperature: number; uncertainBelow: number } {
  const { temperature } = fitTemperature(probs.map(logs), truth);
  const cal = probs.map((p) => Array.from(softmaxWithTemperature(logs(p), temperature)));
  const uncertainBelow = chooseUncertainBelow(
    cal.map((p) => Math.max(...p)),
    cal.map((p, i) => argmax(p) === truth[i]),
  );
  return { temperature, uncertainBelow };
}

export function evaluateLoco(input: LocoInput, o: LocoOptions): LocoEvaluation {
  const t0 = performance.now();
  const corpora = [...new Set(input.items.map((u) => u.corpus))];
  if (corpora.length < 3) {
    throw new RangeError(
      `leave-one-corpus-out needs at least 3 corpora (2 to train on, and an inner split for choices), got ${corpora.length}`,
    );
  }
  const base: ClassicalPipelineConfig = { ...defaultPipelineConfig(o.model), ...o.config };
  const grid = o.grid ?? defaultTuneGrid(o.model);
  const results: LocoCorpusResult[] = [];
  for (const heldOut of corpora) {
    const tc = performance.now();
    const train = corpora.filter((c) => c !== heldOut);
    const trainIdx = input.items.flatMap((u, i) => (u.corpus !== heldOut ? [i] : []));
    const testIdx = input.items.flatMap((u, i) => (u.corpus === heldOut ? [i] : []));
    let cfg = base;
    let chosen = 'default';
    let innerUar: number | null = null;
    let innerBest: { probs: number[][]; truth: number[] } | null = null;
    if (o.tune || o.calibrate) {
      const cands = o.tune
        ? grid.candidates
        : [{ name: 'default', apply: (c: ClassicalPipelineConfig) => c }];
      const scored = innerLoco(
        input,
        train,
        cands.map((c) => c.apply(base)),
        Boolean(o.corpusWeight),
      );
      let best = 0;
      scored.forEach((s, i) => {
        if (s.uar > scored[best].uar) best = i;
      });
      cfg = cands[best].apply(base);
      chosen = cands[best].name;
      innerUar = scored[best].uar;
      innerBest = scored[best];
    }
    const cal = o.calibrate && innerBest ? fitCalibration(innerBest.probs, innerBest.truth) : null;
    const pipe = fitOnItems(input, trainIdx, cfg, Boolean(o.corpusWeight));
    const keep = labelsIn(input, testIdx);
    const names = keep.map((k) => input.labels[k]);
    const conditions = input.conditions.map(({ name, x }) => {
      const r = predictItems(pipe, x, input, testIdx, keep);
      const probs = cal
        ? r.probs.map((p) => Array.from(softmaxWithTemperature(logs(p), cal.temperature)))
        : r.probs;
      const confusion = confusionMatrix(
        names,
        r.truth.map((t) => names[t]),
        probs.map((p) => names[argmax(p)]),
      );
      return {
        condition: name,
        n: testIdx.length,
        uar: uar(confusion),
        wa: weightedAccuracy(confusion),
        macroF1: macroF1(confusion),
        confusion,
        ece: expectedCalibrationError(probs, r.truth),
        uncertainShare: cal
          ? probs.filter((p) => Math.max(...p) < cal.uncertainBelow).length / probs.length
          : null,
      };
    });
    const res: LocoCorpusResult = {
      heldOut,
      trainCorpora: train,
      nTrain: trainIdx.length,
      labels: names,
      chosen,
      innerUar,
      temperature: cal?.temperature ?? null,
      uncertainBelow: cal?.uncertainBelow ?? null,
      conditions,
      seconds: (performance.now() - tc) / 1000,
    };
    results.push(res);
    o.onCorpus?.(res);
  }
  const meanUar: Record<string, number> = {};
  for (const { name } of input.conditions) {
    meanUar[name] =
      results.reduce((a, r) => a + r.conditions.find((c) => c.condition === name)!.uar, 0) / results.length;
  }
  return {
    model: o.model,
    protocol: 'loco',
    corpora,
    results,
    meanUar,
    seconds: (performance.now() - t0) / 1000,
    config: {
      ...base,
      tuned: Boolean(o.tune),
      corpusWeight: Boolean(o.corpusWeight),
      calibrated: Boolean(o.calibrate),
      features: input.x.cols,
      augmentedRows: input.augmented?.x.rows ?? 0,
    },
  };
}
