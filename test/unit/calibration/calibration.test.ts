import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../../../src/core/random.js';
import {
  calibrate,
  eceNoiseFloor,
  expectedCalibrationError,
  fitTemperature,
  fitTemperatureAndShare,
  mixUniform,
  softmaxWithTemperature,
  temperatureNll,
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

test('a uniform share keeps the argmax and zeros and caps the top probability; calibrate applies it', () => {
  const p = Float64Array.from([0.97, 0.02, 0.01, 0]);
  const m = mixUniform(Float64Array.from(p), 0.3);
  assert.equal(m.indexOf(Math.max(...m)), 0);
  assert.equal(m[3], 0);
  assert.ok(Math.abs(m.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(m[0] - (0.7 * 0.97 + 0.1)) < 1e-12);
  // Without the share the answer is sure; with it, the same top label is marked not sure.
  assert.equal(calibrate(p, { temperature: 1, uncertainBelow: 0.8 }).uncertain, false);
  const c = calibrate(p, { temperature: 1, uncertainBelow: 0.8, uniformShare: 0.3 });
  assert.equal(c.uncertain, true);
  assert.ok(Math.abs(c.probabilities[0] - (0.7 * 0.97 + 0.1)) < 1e-6);
});

test('fitTemperatureAndShare recovers a share of uniform guessing that temperature alone cannot model', () => {
  // Labels from softmax(z) 70 % of the time, uniformly at random otherwise: a model that is
  // sometimes wrong however sure it is (as on a corpus unlike its training data).
  const rng = seededRng(5);
  const { logits, labels } = synthetic(6000, 5, 3);
  const noisy = labels.map((y) => (rng() < 0.3 ? Math.floor(rng() * 5) : y));
  const fit = fitTemperatureAndShare(logits, noisy);
  assert.ok(Math.abs(fit.uniformShare - 0.3) < 0.05, `share ${fit.uniformShare}`);
  assert.ok(Math.abs(fit.temperature - 1) < 0.15, `T ${fit.temperature}`);
  const tOnly = fitTemperature(logits, noisy);
  assert.ok(fit.nll < tOnly.nll - 0.01, `NLL ${fit.nll} vs temperature only ${tOnly.nll}`);
  assert.deepEqual(fitTemperatureAndShare(logits, labels, { maxShare: 0 }).uniformShare, 0);
});

test('weighted NLL: rows of weight 0 are ignored, equal weights give the plain mean', () => {
  const { logits, labels } = synthetic(400, 3, 4);
  const half = logits.length / 2;
  const w = logits.map((_, i) => (i < half ? 1 : 0));
  const first = temperatureNll(logits.slice(0, half), labels.slice(0, half), 2);
  assert.ok(Math.abs(temperatureNll(logits, labels, 2, { weights: w }) - first) < 1e-12);
  const plain = temperatureNll(logits, labels, 2);
  assert.ok(Math.abs(temperatureNll(logits, labels, 2, { weights: logits.map(() => 3) }) - plain) < 1e-12);
  assert.throws(() => fitTemperature(logits, labels, { weights: [1] }), /1 weights for 400 rows/);
  assert.throws(() => fitTemperature(logits, labels, { weights: logits.map(() => 0) }), /not all 0/);
});

test('ECE noise floor: calibrated probabilities show about the floor, and it shrinks with more clips', () => {
  const small = synthetic(450, 6, 6);
  const large = synthetic(20000, 6, 7);
  const floorSmall = eceNoiseFloor(probsOf(small.logits));
  const floorLarge = eceNoiseFloor(probsOf(large.logits), { draws: 20 });
  assert.ok(floorSmall > 0.02 && floorSmall < 0.08, `floor of 450 clips ${floorSmall}`);
  assert.ok(floorLarge < floorSmall / 3, `floor of 20000 clips ${floorLarge}`);
  // The ECE of the calibrated small sample is of the size of its floor, not near 0.
  const ece = expectedCalibrationError(probsOf(small.logits), small.labels);
  assert.ok(ece < 2.5 * floorSmall, `ECE ${ece} vs floor ${floorSmall}`);
});
