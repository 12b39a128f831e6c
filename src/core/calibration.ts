/**
 * Calibrated confidence: temperature scaling of a model's output and the measures to fit and
 * check it. A bundle manifest may carry `calibration: { temperature, uncertainBelow }`; the
 * Predictor then divides the log-probabilities of its final output (after window averaging
 * and ensemble mixing) by `temperature`, renormalises, and marks a prediction `uncertain`
 * when the top probability is below `uncertainBelow`. Without it predictions are as before
 * and never uncertain. The argmax, and so the label, never changes. Platform-neutral.
 */
import { z } from 'zod';

export const CalibrationSchema = z.object({
  /** Divides the log-probabilities: > 1 softens over-confident outputs, < 1 sharpens. */
  temperature: z.number().positive().finite(),
  /** A calibrated top probability below this makes the prediction `uncertain` (0 = never). */
  uncertainBelow: z.number().min(0).max(1),
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

/** Calibrated probabilities and whether the answer is too unsure to state. */
export function calibrate(
  probs: ArrayLike<number>,
  calibration: Calibration | undefined,
): { probabilities: ArrayLike<number>; uncertain: boolean } {
  if (!calibration) return { probabilities: probs, uncertain: false };
  const probabilities = temperatureScale(probs, calibration.temperature);
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

/** Mean negative log-likelihood of the labels under softmax(logits / T). */
export function temperatureNll(
  logits: readonly ArrayLike<number>[],
  labels: readonly number[],
  temperature: number,
): number {
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = softmaxWithTemperature(logits[i], temperature)[labels[i]];
    total -= Math.log(Math.max(p, 1e-300));
  }
  return total / logits.length;
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
  { tolerance = 1e-4 }: { tolerance?: number } = {},
): { temperature: number; nll: number; nllAtOne: number } {
  checkRows(logits, labels, 'fitTemperature');
  const f = (u: number) => temperatureNll(logits, labels, Math.exp(u));
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
