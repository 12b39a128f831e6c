/**
 * Leave-one-corpus-out (LOCO) evaluation of a classical pipeline: train on every corpus but
 * one, test on the whole unseen corpus (argmax over the labels it has), pool its predictions,
 * and repeat for each corpus. Everything the model chooses is chosen without the held-out
 * corpus: hyperparameters (tune) come from an inner leave-one-corpus-out over the training
 * corpora only; the calibration (temperature, uniform share, `uncertain` threshold) is fitted on
 * those inner LOCO predictions mixed half and half with predictions for held-out groups of
 * training speakers (fitCalibration). The test clips can pass
 * through channel conditions (telephone, codec, noise, reverb...) before their features: each
 * condition is scored on the same model. Augmented copies of training clips (their descriptor
 * vectors) join the training rows; they never come from the held-out corpus.
 */
import {
  calibratedFromLogits,
  eceNoiseFloor,
  expectedCalibrationError,
  fitTemperatureAndShare,
  type Calibration,
} from '../../../core/calibration.js';
import { Rng } from '../../../core/random.js';
import { takeRows, type Matrix } from '../../../core/classical/matrix.js';
import { firstAppearanceIndices, mlpDomainKind } from '../../../core/classical/mlp.js';
import {
  ClassicalPipeline,
  defaultPipelineConfig,
  type ClassicalModelName,
  type ClassicalPipelineConfig,
} from '../../../core/classical/pipeline.js';
import { defaultTuneGrid, logisticCGrid, mlpDecayGrid, type TuneGrid } from './evaluate.js';
import { confusionMatrix, macroF1, uar, weightedAccuracy, type Confusion } from './metrics.js';

/**
 * The candidates `--tune` scores by inner LOCO: for logistic regression C from 0.0001 to 0.3
 * (three per decade; inner LOCO chose the top of the former 0.0003-0.01 grid in most folds),
 * for the descriptor MLP its weight decay from 0.3 to 10 (inner LOCO chose the top of 0.01-1
 * in every fold; results/loco-research.md round 5), each with the standard scaler alone and
 * with the quantile transform before it (round 3); for the other models defaultTuneGrid's.
 */
export const LOCO_LOGISTIC_C_GRID: readonly number[] = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3];
export const LOCO_MLP_DECAY_GRID: readonly number[] = [0.3, 1, 3, 10];

export function defaultLocoTuneGrid(model: ClassicalModelName): TuneGrid {
  if (model !== 'logistic' && model !== 'mlp') return defaultTuneGrid(model);
  const standard = (
    model === 'logistic' ? logisticCGrid(LOCO_LOGISTIC_C_GRID) : mlpDecayGrid(LOCO_MLP_DECAY_GRID)
  ).candidates;
  return {
    candidates: [
      ...standard.map((c) => ({
        name: c.name,
        apply: (cfg: ClassicalPipelineConfig) => ({ ...c.apply(cfg), scaling: 'standard' as const }),
      })),
      ...standard.map((c) => ({
        name: `quantile ${c.name}`,
        apply: (cfg: ClassicalPipelineConfig) => ({ ...c.apply(cfg), scaling: 'quantile' as const }),
      })),
    ],
  };
}

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
  /** Default: defaultLocoTuneGrid(model). */
  grid?: TuneGrid;
  /** Each training corpus weighs the same (logistic only); otherwise every clip weighs the same. */
  corpusWeight?: boolean;
  /** Fit a calibration (fitCalibration) on inner predictions from the training corpora only. */
  calibrate?: boolean;
  /** Seeds the speaker groups of the calibration (default 1). */
  seed?: number;
  /** Keep every test clip's probabilities per condition (LocoCorpusResult.paths, LocoConditionResult.probabilities), for ensembles. */
  keepPredictions?: boolean;
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
  /** The ECE perfectly calibrated probabilities of these confidences would show on this many clips (eceNoiseFloor). */
  eceFloor: number;
  /** Share of test clips marked uncertain (calibration only). */
  uncertainShare: number | null;
  /** Per test clip (LocoCorpusResult.paths order), the probabilities over LocoCorpusResult.labels (with keepPredictions). */
  probabilities?: number[][];
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
  uniformShare: number | null;
  conditions: LocoConditionResult[];
  seconds: number;
  /** The test clips in order, and their true labels (with keepPredictions). */
  paths?: string[];
  truth?: string[];
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
export function restrict(p: ArrayLike<number>, keep: readonly number[]): number[] {
  const sub = keep.map((k) => p[k]);
  const s = sub.reduce((a, b) => a + b, 0);
  return s > 0 ? sub.map((v) => v / s) : sub.map(() => 1 / keep.length);
}

/** Log-probabilities; a probability of exactly 0 (a label left out) stays impossible. */
export const logs = (p: readonly number[]) =>
  p.map((v) => (v > 0 ? Math.log(Math.max(v, 1e-12)) : -Infinity));

/** The calibrated top probability below which answers are marked uncertain: the smallest
 * threshold (0.2 .. 0.8) at which the answers still given are right at least half the time
 * (`weights`, one per answer, default all equal). */
export function chooseUncertainBelow(
  top: readonly number[],
  correct: readonly boolean[],
  weights?: readonly number[],
): number {
  for (let t = 0.2; t <= 0.8001; t += 0.05) {
    let n = 0;
    let ok = 0;
    top.forEach((p, i) => {
      if (p >= t) {
        const w = weights ? weights[i] : 1;
        n += w;
        if (correct[i]) ok += w;
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
  // Each row's domain, only for the MLP's adversary (its speaker unless told its corpus) and
  // baseline swap (its speaker).
  const kind = cfg.model === 'mlp' ? mlpDomainKind(cfg.mlp) : null;
  const domains = kind
    ? firstAppearanceIndices(
        idx.map((i) => {
          const { corpus, speaker } = input.items[i];
          return kind === 'corpus' ? corpus : `${corpus}/${speaker}`;
        }),
      ).indices
    : undefined;
  return ClassicalPipeline.fit(x, y, [...input.labels], cfg, featureNames, w, domains);
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

/** Indices (into input.labels) of the labels the items `idx` have, in label order. */
export function labelsIn(input: LocoInput, idx: readonly number[]): number[] {
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
      padInto({ probs, truth }, r, keep, input.labels.length);
    }
    return { uar: sum / corpora.length, probs, truth };
  });
}

/**
 * The figures by which results/loco-research.md decides between recipes (rounds 2-11), from the
 * inner LOCO scores of a recipe's candidates: `choose[c][k]` is what the recipe chooses by on
 * inner corpus k (its studio UAR), `score[c][k]` what the rule counts (studio and 10 dB noise UAR
 * averaged). `chosen` is the candidate with the best mean `choose` (the first of equals), as
 * `--tune` picks it; `old` is that candidate's mean `score`, which is biased upwards for a recipe
 * with several candidates (the choice saw the very folds that score it). `crossFitted` scores
 * each inner corpus k with the candidate chosen on the other inner corpora alone, so a recipe
 * whose choice does not transfer from corpus to corpus is marked down, and a recipe with one
 * candidate gets the same figure both ways.
 */
export function innerRuleFigures(
  choose: readonly (readonly number[])[],
  score: readonly (readonly number[])[],
): { chosen: number; old: number; crossFitted: number } {
  const n = choose.length;
  const k = choose[0]?.length ?? 0;
  if (n === 0 || k < 2 || score.length !== n || [...choose, ...score].some((r) => r.length !== k))
    throw new RangeError('innerRuleFigures: candidates x inner corpora (at least 2) in both tables');
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const best = (crit: (c: number) => number) => {
    let b = 0;
    for (let c = 1; c < n; c++) if (crit(c) > crit(b)) b = c;
    return b;
  };
  const chosen = best((c) => mean(choose[c]));
  let cross = 0;
  for (let j = 0; j < k; j++) {
    const c = best((i) => mean(choose[i].filter((_, m) => m !== j)));
    cross += score[c][j] / k;
  }
  return { chosen, old: mean(score[chosen]), crossFitted: cross };
}

/** Pooled predictions over the full label set (probability 0 for a label left out), true label indices. */
export interface ScoredRows {
  probs: number[][];
  truth: number[];
}

/**
 * Appends predictions restricted to `keep` to a pool over the full label set: sets with
 * different labels (inner corpora, speaker groups) are pooled with probability 0 for the labels
 * a set does not have.
 */
export function padInto(
  pool: ScoredRows,
  r: { probs: number[][]; truth: number[] },
  keep: number[],
  k: number,
): void {
  for (const [j, p] of r.probs.entries()) {
    const full = new Array<number>(k).fill(0);
    keep.forEach((l, m) => (full[l] = p[m]));
    pool.probs.push(full);
    pool.truth.push(keep[r.truth[j]]);
  }
}

/** Speaker groups per corpus for the held-out-speaker half of the calibration set. */
export const CALIBRATION_SPEAKER_GROUPS = 5;

/**
 * Predictions for unseen speakers of seen corpora: the speakers of each of `corpora` are dealt
 * into CALIBRATION_SPEAKER_GROUPS groups (a seeded shuffle), and group g of every corpus is
 * predicted by a model trained on everything else of `corpora` (augmented copies of the held-out
 * speakers' clips left out too), argmax over the labels that corpus has. Items of other corpora
 * are never used.
 */
export function heldOutSpeakerPredictions(
  input: LocoInput,
  corpora: readonly string[],
  cfg: ClassicalPipelineConfig,
  corpusWeight: boolean,
  seed = 1,
): ScoredRows {
  const group = new Map<string, number>();
  for (const c of corpora) {
    const speakers = [...new Set(input.items.filter((u) => u.corpus === c).map((u) => u.speaker))].sort();
    new Rng(seed)
      .shuffle(speakers)
      .forEach((s, i) => group.set(`${c}\u0000${s}`, i % CALIBRATION_SPEAKER_GROUPS));
  }
  const groupOf = (u: LocoItem) => group.get(`${u.corpus}\u0000${u.speaker}`);
  const pool: ScoredRows = { probs: [], truth: [] };
  for (let g = 0; g < CALIBRATION_SPEAKER_GROUPS; g++) {
    const tr = input.items.flatMap((u, i) => (corpora.includes(u.corpus) && groupOf(u) !== g ? [i] : []));
    const te = input.items.flatMap((u, i) => (corpora.includes(u.corpus) && groupOf(u) === g ? [i] : []));
    if (te.length === 0) continue;
    const pipe = fitOnItems(input, tr, cfg, corpusWeight);
    for (const c of corpora) {
      const part = te.filter((i) => input.items[i].corpus === c);
      if (part.length === 0) continue;
      const keep = labelsIn(
        input,
        input.items.flatMap((u, i) => (u.corpus === c ? [i] : [])),
      );
      padInto(pool, predictItems(pipe, input.x, input, part, keep), keep, input.labels.length);
    }
  }
  return pool;
}

/**
 * The calibration of a model trained on `corpora`, fitted without anything else: predictions
 * for unseen corpora (leave-one-corpus-out among `corpora`; pass them in when already made, e.g.
 * by innerLoco while tuning) and for unseen speakers of seen corpora (heldOutSpeakerPredictions),
 * each half weighing the same. The inner LOCO models are trained on one corpus fewer than the
 * model being calibrated and transfer worse than it (on its own, the temperature over-softens);
 * held-out speakers of seen corpora are easier than an unseen corpus (on their own, it
 * over-sharpens). The temperature and uniform share minimise the weighted NLL
 * (fitTemperatureAndShare); the `uncertain` threshold is chosen on the same weighted rows.
 */
export function fitCalibration(
  input: LocoInput,
  corpora: readonly string[],
  cfg: ClassicalPipelineConfig,
  corpusWeight: boolean,
  { seed = 1, loco }: { seed?: number; loco?: ScoredRows } = {},
): Calibration {
  const inner = loco ?? innerLoco(input, corpora, [cfg], corpusWeight)[0];
  const speakers = heldOutSpeakerPredictions(input, corpora, cfg, corpusWeight, seed);
  return fitCalibrationOn([inner, speakers]);
}

/** Temperature, uniform share and threshold fitted on prediction sets that each weigh the same. */
export function fitCalibrationOn(sets: readonly ScoredRows[]): Calibration {
  const used = sets.filter((s) => s.probs.length > 0);
  const probs = used.flatMap((s) => s.probs);
  const truth = used.flatMap((s) => s.truth);
  const weights = used.flatMap((s) => s.probs.map(() => 1 / (used.length * s.probs.length)));
  const { temperature, uniformShare } = fitTemperatureAndShare(probs.map(logs), truth, { weights });
  const fitted = { temperature, uniformShare, uncertainBelow: 0 };
  const cal = probs.map((p) => calibratedFromLogits(logs(p), fitted));
  const uncertainBelow = chooseUncertainBelow(
    cal.map((p) => Math.max(...p)),
    cal.map((p, i) => argmaxOf(p) === truth[i]),
    weights,
  );
  return { temperature, uncertainBelow, uniformShare };
}

const argmaxOf = (p: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
};

/**
 * The figures of one held-out corpus under one condition: `probs` restricted to the scored
 * labels `names` (calibrated by `cal` first when given), `truth` indices into `names`.
 */
export function scoreCondition(
  condition: string,
  raw: readonly number[][],
  truth: readonly number[],
  names: readonly string[],
  cal: Calibration | null,
  o: { seed?: number; keepPredictions?: boolean },
): LocoConditionResult {
  const probs = cal ? raw.map((p) => Array.from(calibratedFromLogits(logs(p), cal))) : raw.map((p) => [...p]);
  const confusion = confusionMatrix(
    [...names],
    truth.map((t) => names[t]),
    probs.map((p) => names[argmax(p)]),
  );
  return {
    condition,
    n: truth.length,
    uar: uar(confusion),
    wa: weightedAccuracy(confusion),
    macroF1: macroF1(confusion),
    confusion,
    ece: expectedCalibrationError(probs, [...truth]),
    eceFloor: eceNoiseFloor(probs, { seed: o.seed ?? 1 }),
    uncertainShare: cal
      ? probs.filter((p) => Math.max(...p) < cal.uncertainBelow).length / probs.length
      : null,
    ...(o.keepPredictions
      ? { probabilities: probs.map((p) => p.map((v) => Math.round(v * 1e4) / 1e4)) }
      : {}),
  };
}

/** Mean UAR over the held-out corpora, per condition. */
export function meanUarOf(results: readonly LocoCorpusResult[]): Record<string, number> {
  const meanUar: Record<string, number> = {};
  for (const { condition } of results[0].conditions) {
    meanUar[condition] =
      results.reduce((a, r) => a + r.conditions.find((c) => c.condition === condition)!.uar, 0) /
      results.length;
  }
  return meanUar;
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
  const grid = o.grid ?? defaultLocoTuneGrid(o.model);
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
    const cal =
      o.calibrate && innerBest
        ? fitCalibration(input, train, cfg, Boolean(o.corpusWeight), { seed: o.seed, loco: innerBest })
        : null;
    const pipe = fitOnItems(input, trainIdx, cfg, Boolean(o.corpusWeight));
    const keep = labelsIn(input, testIdx);
    const names = keep.map((k) => input.labels[k]);
    const conditions = input.conditions.map(({ name, x }) => {
      const r = predictItems(pipe, x, input, testIdx, keep);
      return scoreCondition(name, r.probs, r.truth, names, cal, o);
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
      uniformShare: cal ? (cal.uniformShare ?? 0) : null,
      conditions,
      seconds: (performance.now() - tc) / 1000,
      ...(o.keepPredictions
        ? { paths: testIdx.map((i) => input.items[i].path), truth: testIdx.map((i) => input.items[i].label) }
        : {}),
    };
    results.push(res);
    o.onCorpus?.(res);
  }
  const meanUar = meanUarOf(results);
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
