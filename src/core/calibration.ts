/**
 * Calibrated confidence: temperature scaling of a model's output (with an optional share of the
 * uniform distribution mixed in) and the measures to fit and check it. A bundle manifest may
 * carry `calibration: { temperature, uncertainBelow, uniformShare? }`; the Predictor then divides
 * the log-probabilities of its final output (after window averaging and ensemble mixing) by
 * `temperature`, renormalises, mixes in `uniformShare` of the uniform distribution over the
 * labels still possible, and marks a prediction `uncertain` when the top probability is below
 * `uncertainBelow`. Without it predictions are as before and never uncertain. The argmax, and so
 * the label, never changes. Platform-neutral.
 */
import { z } from 'zod';
import { seededRng } from './random.js';

export const CalibrationSchema = z.object({
  /** Divides the log-probabilities: > 1 softens over-confident outputs, < 1 sharpens. */
  temperature: z.number().positive().finite(),
  /** A calibrated top probability below this makes the prediction `uncertain` (0 = never). */
  uncertainBelow: z.number().min(0).max(1),
  /**
   * Share of the uniform distribution (over the labels with a probability above 0) mixed into
   * the temperature-scaled probabilities: on audio unlike its training data a model is
   * sometimes wrong however sure it is, so even its surest answers stay below 1 - share + share/k.
   * Absent = 0 (bundles calibrated before it existed).
   */
  uniformShare: z.number().min(0).max(1).optional(),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

/** softmax(z / T) of one row of logits (or log-probabilities), in double precision. */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature: number): Float64Array {
  const n = logits.length;
  const out = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i] / temperature);
  if (max === -Infinity) return out.fill(1 / n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(logits[i] / temperature - max);
    sum += out[i];
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

/** Probabilities -> temperature-scaled probabilities: p_i^(1/T) / sum_j p_j^(1/T) (a zero stays zero). */
export function temperatureScale(probs: ArrayLike<number>, temperature: number): Float32Array {
  const logs = Array.from(probs, (p) => (p > 0 ? Math.log(p) : -Infinity));
  return Float32Array.from(softmaxWithTemperature(logs, temperature));
}

/** (1 - share) p + share / k over the k entries of p above 0 (zeros stay zero; the argmax stays). */
export function mixUniform<T extends Float32Array | Float64Array>(p: T, share: number): T {
  if (share === 0) return p;
  let k = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) k++;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) p[i] = (1 - share) * p[i] + share / k;
  return p;
}

/** The calibrated probabilities of one row of log-probabilities (or logits), in double precision. */
export function calibratedFromLogits(logits: ArrayLike<number>, calibration: Calibration): Float64Array {
  return mixUniform(softmaxWithTemperature(logits, calibration.temperature), calibration.uniformShare ?? 0);
}

/** Calibrated probabilities and whether the answer is too unsure to state. */
export function calibrate(
  probs: ArrayLike<number>,
  calibration: Calibration | undefined,
): { probabilities: ArrayLike<number>; uncertain: boolean } {
  if (!calibration) return { probabilities: probs, uncertain: false };
  const probabilities = mixUniform(
    temperatureScale(probs, calibration.temperature),
    calibration.uniformShare ?? 0,
  );
  return { probabilities, uncertain: Math.max(...probabilities) < calibration.uncertainBelow };
}

function checkRows(rows: readonly ArrayLike<number>[], labels: readonly number[], what: string): void {
  if (rows.length === 0) throw new RangeError(`${what}: no examples given`);
  if (rows.length !== labels.length) {
    throw new RangeError(`${what}: ${rows.length} rows but ${labels.length} labels`);
  }
  const k = rows[0].length;
  labels.forEach((y, i) => {
    if (rows[i].length !== k)
      throw new RangeError(`${what}: row ${i} has ${rows[i].length} classes, row 0 has ${k}`);
    if (!Number.isInteger(y) || y < 0 || y >= k)
      throw new RangeError(`${what}: label ${y} of row ${i} is not a class index < ${k}`);
  });
}

/**
 * Mean negative log-likelihood of the labels under softmax(logits / T), with `uniformShare` of
 * the uniform distribution mixed in (default none); `weights` (one per row, default all equal)
 * make it a weighted mean.
 */
export function temperatureNll(
  logits: readonly ArrayLike<number>[],
  labels: readonly number[],
  temperature: number,
  { uniformShare = 0, weights }: { uniformShare?: number; weights?: readonly number[] } = {},
): number {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = mixUniform(softmaxWithTemperature(logits[i], temperature), uniformShare)[labels[i]];
    const w = weights ? weights[i] : 1;
    total -= w * Math.log(Math.max(p, 1e-300));
    sum += w;
  }
  return total / sum;
}

export const TEMPERATURE_RANGE: readonly [number, number] = [0.05, 20];

/**
 * The temperature minimising the NLL of `labels` (class indices) under softmax(logits / T):
 * golden-section search on log T over TEMPERATURE_RANGE (the NLL is unimodal in log T).
 * `logits` may be log-probabilities (e.g. Math.log of Predictor.scores()).
 */
export function fitTemperature(
  logits: readonly ArrayLike<number>[],
  labels: readonly number[],
  {
    tolerance = 1e-4,
    uniformShare = 0,
    weights,
  }: { tolerance?: number; uniformShare?: number; weights?: readonly number[] } = {},
): { temperature: number; nll: number; nllAtOne: number } {
  checkRows(logits, labels, 'fitTemperature');
  checkWeights(weights, labels.length, 'fitTemperature');
  const f = (u: number) => temperatureNll(logits, labels, Math.exp(u), { uniformShare, weights });
  let a = Math.log(TEMPERATURE_RANGE[0]);
  let b = Math.log(TEMPERATURE_RANGE[1]);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tolerance) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const temperature = Math.exp((a + b) / 2);
  return { temperature, nll: f(Math.log(temperature)), nllAtOne: f(0) };
}

/**
 * Temperature and uniform share together, minimising the (weighted) NLL of `labels`: the
 * temperature by golden section (fitTemperature) for each share on a grid of 0 .. 0.9 in steps
 * of 0.05, then in steps of 0.01 around the best; the best pair kept. `maxShare` 0 is plain
 * temperature scaling.
 */
export function fitTemperatureAndShare(
  logits: readonly ArrayLike<number>[],
  labels: readonly number[],
  {
    weights,
    maxShare = 0.9,
    tolerance = 1e-3,
  }: { weights?: readonly number[]; maxShare?: number; tolerance?: number } = {},
): { temperature: number; uniformShare: number; nll: number } {
  let best = { temperature: 1, uniformShare: 0, nll: Infinity };
  const tried = new Set<number>();
  const tryShare = (share: number) => {
    const uniformShare = Math.round(share * 100) / 100;
    if (tried.has(uniformShare) || uniformShare < 0 || uniformShare > maxShare) return;
    tried.add(uniformShare);
    const fit = fitTemperature(logits, labels, { tolerance, uniformShare, weights });
    if (fit.nll < best.nll) best = { temperature: fit.temperature, uniformShare, nll: fit.nll };
  };
  for (let s = 0; s <= maxShare + 1e-9; s += 0.05) tryShare(s);
  const coarse = best.uniformShare;
  for (let d = -4; d <= 4; d++) tryShare(coarse + d / 100);
  return best;
}

function checkWeights(weights: readonly number[] | undefined, n: number, what: string): void {
  if (!weights) return;
  if (weights.length !== n) throw new RangeError(`${what}: ${weights.length} weights for ${n} rows`);
  if (!weights.every((w) => Number.isFinite(w) && w >= 0) || !weights.some((w) => w > 0))
    throw new RangeError(`${what}: weights must be finite, >= 0 and not all 0`);
}

/**
 * The ECE that perfectly calibrated probabilities with these confidences would still show on a
 * sample of this size (labels drawn from the probabilities themselves, `draws` times, seeded):
 * the estimator's noise floor. An ECE near it is as good as this many clips can show.
 */
export function eceNoiseFloor(
  probs: readonly ArrayLike<number>[],
  { bins = 15, draws = 200, seed = 1 }: { bins?: number; draws?: number; seed?: number } = {},
): number {
  const rng = seededRng(seed);
  let total = 0;
  for (let d = 0; d < draws; d++) {
    const labels = probs.map((p) => {
      let u = rng();
      let y = 0;
      while (y < p.length - 1 && u >= p[y]) u -= p[y++];
      return y;
    });
    total += expectedCalibrationError(probs, labels, bins);
  }
  return total / draws;
}

/**
 * Expected calibration error of the top label: predictions binned by their top probability
 * into `bins` equal-width bins of (0, 1]; the bins' |accuracy - mean confidence| weighted by
 * their share of predictions. 0 is perfectly calibrated; a fraction, not a percentage.
 */
export function expectedCalibrationError(
  probs: readonly ArrayLike<number>[],
  labels: readonly number[],
  bins = 15,
): number {
  checkRows(probs, labels, 'expectedCalibrationError');
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`expectedCalibrationError: bins must be a positive integer, got ${bins}`);
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const correct = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p[best] * bins) - 1));
    count[b]++;
    conf[b] += p[best];
    if (best === labels[i]) correct[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += Math.abs(correct[b] - conf[b]) / probs.length;
  return ece;
}
