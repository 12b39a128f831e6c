import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../../../src/core/random.js';
import {
  calibrate,
  expectedCalibrationError,
  fitTemperature,
  softmaxWithTemperature,
  temperatureScale,
} from '../../../src/core/calibration.js';

/** n examples of k classes: logits ~ N(0, 2), labels drawn from softmax(logits) (so T = 1 is calibrated). */
function synthetic(n: number, k: number, seed: number): { logits: Float64Array[]; labels: number[] } {
  const rng = seededRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const logits: Float64Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Float64Array.from({ length: k }, () => 2 * gauss());
    const p = softmaxWithTemperature(z, 1);
    let u = rng();
    let y = 0;
    while (y < k - 1 && u >= p[y]) u -= p[y++];
    logits.push(z);
    labels.push(y);
  }
  return { logits, labels };
}

const scale = (rows: Float64Array[], s: number) => rows.map((z) => z.map((v) => v * s));
const probsOf = (rows: ArrayLike<number>[], t = 1) => rows.map((z) => softmaxWithTemperature(z, t));

test('fitTemperature recovers the temperature that makes over- and under-confident logits calibrated', () => {
  const { logits, labels } = synthetic(20000, 5, 1);
  for (const s of [3, 0.5, 1]) {
    const fit = fitTemperature(scale(logits, s), labels);
    assert.ok(
      Math.abs(fit.temperature / s - 1) < 0.06,
      `scaled by ${s}: fitted T ${fit.temperature.toFixed(3)}`,
    );
    assert.ok(fit.nll <= fit.nllAtOne + 1e-12);
  }
});

test('ECE: large for over-confident outputs, small after temperature scaling', () => {
  const { logits, labels } = synthetic(20000, 5, 2);
  const over = scale(logits, 3);
  const before = expectedCalibrationError(probsOf(over), labels);
  const { temperature } = fitTemperature(over, labels);
  const after = expectedCalibrationError(probsOf(over, temperature), labels);
  assert.ok(before > 0.1, `ECE before ${before}`);
  assert.ok(after < 0.02, `ECE after ${after}`);
  assert.ok(expectedCalibrationError(probsOf(logits), labels) < 0.02);
});

test('ECE of a hand-made case: top probabilities 0.9 right and wrong, 0.6 right', () => {
  const probs = [
    [0.9, 0.1],
    [0.9, 0.1],
    [0.4, 0.6],
  ];
  // Bin (0.8667, 0.9333]: two predictions, accuracy 0.5, confidence 0.9; bin (0.5333, 0.6]: one, accuracy 1, confidence 0.6.
  const ece = expectedCalibrationError(probs, [0, 1, 1]);
  assert.ok(Math.abs(ece - ((2 / 3) * 0.4 + (1 / 3) * 0.4)) < 1e-12, `${ece}`);
  assert.equal(expectedCalibrationError([[1, 0]], [0]), 0);
  assert.throws(() => expectedCalibrationError(probs, [0, 1]), /3 rows but 2 labels/);
  assert.throws(
    () => expectedCalibrationError(probs, [0, 1, 2]),
    /label 2 of row 2 is not a class index < 2/,
  );
});

test('temperature scaling keeps the argmax and zeros; calibrate marks low top probabilities uncertain', () => {
  const p = [0.7, 0.2, 0.1, 0];
  const soft = temperatureScale(p, 4);
  assert.equal(soft.indexOf(Math.max(...soft)), 0);
  assert.equal(soft[3], 0);
  assert.ok(Math.abs(soft.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.ok(soft[0] < 0.7 && soft[0] > 1 / 3);
  assert.deepEqual(calibrate(p, undefined), { probabilities: p, uncertain: false });
  assert.equal(calibrate(p, { temperature: 1, uncertainBelow: 0.5 }).uncertain, false);
  assert.equal(calibrate(p, { temperature: 4, uncertainBelow: 0.5 }).uncertain, true);
});
