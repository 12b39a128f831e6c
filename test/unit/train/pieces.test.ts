import { test } from 'node:test';
import assert from 'node:assert/strict';
import { framesForSeconds, sliceFrames, windowStarts } from '../../../src/core/windows.js';
import { randomCrop } from '../../../src/node/train/crop.js';
import {
  addNoiseAtSnr,
  applyGain,
  augmentSignal,
  AugmentOptionsSchema,
  specAugment,
  speedPerturb,
} from '../../../src/node/train/augment.js';
import { learningRate, parseTrainOptions } from '../../../src/node/train/options.js';
import { speakerSplit } from '../../../src/node/train/data.js';
import { defaultModelEpochs } from '../../../src/core/models/registry.js';
import { Rng } from '../../../src/core/random.js';
import type { Utterance } from '../../../src/node/datasets/types.js';

const power = (x: Float32Array) => x.reduce((a, v) => a + v * v, 0) / x.length;

test('windows cover the whole utterance, the last one aligned to the end; short clips give one padded window', () => {
  assert.deepEqual(windowStarts(10, 4, 2), [0, 2, 4, 6]);
  assert.deepEqual(windowStarts(11, 4, 3), [0, 3, 6, 7]);
  assert.deepEqual(windowStarts(3, 4, 2), [0]);
  assert.equal(framesForSeconds(3, 16000, 160), 300);
  const m = Float32Array.from([1, 2, 3, 4, 5, 6]); // 3 frames x 2 coeffs
  assert.deepEqual([...sliceFrames(m, 2, 1, 3)], [3, 4, 5, 6, 0, 0]);
  assert.throws(() => windowStarts(10, 0, 1), /at least 1 frame/);
});

test('random crop keeps a contiguous run of frames, or pads a short clip with zeros at a random offset', () => {
  const rng = new Rng(3);
  const long = Float32Array.from({ length: 20 }, (_, i) => i + 1); // 10 frames x 2
  for (let k = 0; k < 20; k++) {
    const c = randomCrop(long, 2, 4, rng);
    assert.equal(c.length, 8);
    for (let i = 1; i < 8; i++) assert.equal(c[i], c[i - 1] + 1);
  }
  const short = Float32Array.from([7, 8]); // 1 frame x 2
  const offsets = new Set<number>();
  for (let k = 0; k < 30; k++) {
    const c = randomCrop(short, 2, 3, rng);
    assert.equal(c.length, 6);
    assert.equal(c.filter((v) => v !== 0).length, 2);
    offsets.add(c.indexOf(7));
  }
  assert.deepEqual([...offsets].sort(), [0, 2, 4]);
});

test('random crop into a reused buffer equals a fresh crop, stale values overwritten', () => {
  const [a, b] = [new Rng(9), new Rng(9)];
  const out = new Float32Array(6).fill(99);
  for (const data of [Float32Array.from({ length: 20 }, (_, i) => i + 1), Float32Array.from([7, 8])]) {
    for (let k = 0; k < 5; k++) {
      const fresh = randomCrop(data, 2, 3, a);
      assert.equal(randomCrop(data, 2, 3, b, out), out);
      assert.deepEqual(out, fresh);
    }
  }
});

test('gain and noise: +6 dB quadruples power; noise at 10 dB SNR has a tenth of the signal power', () => {
  const x = Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 5));
  assert.ok(Math.abs(power(applyGain(x, 6.0206)) / power(x) - 4) < 1e-3);
  const y = addNoiseAtSnr(x, 10, new Rng(1));
  const noise = y.map((v, i) => v - x[i]);
  const snr = 10 * Math.log10(power(x) / power(noise));
  assert.ok(Math.abs(snr - 10) < 0.3, `SNR ${snr}`);
});

test('speed perturbation by 1.1 shortens the clip by 1.1 and raises the pitch by 1.1', async () => {
  const sr = 16000;
  const x = Float32Array.from({ length: sr }, (_, i) => Math.sin((2 * Math.PI * 200 * i) / sr));
  const y = await speedPerturb(x, 1.1, sr);
  assert.ok(Math.abs(y.length - sr / 1.1) <= 2, `length ${y.length}`);
  let crossings = 0;
  for (let i = 1000; i < y.length - 1000; i++) if (y[i - 1] < 0 && y[i] >= 0) crossings++;
  const hz = (crossings * sr) / (y.length - 2000);
  assert.ok(Math.abs(hz - 220) < 3, `pitch ${hz} Hz`);
  assert.equal(await speedPerturb(x, 1, sr), x);
});

test('SpecAugment masks whole frames and whole coefficient bands, within the maximum widths', () => {
  const frames = 50;
  const coeffs = 10;
  const d = new Float32Array(frames * coeffs).fill(1);
  specAugment(d, coeffs, { timeMasks: 1, timeMaskFrames: 5, freqMasks: 0, freqMaskCoeffs: 0 }, new Rng(5));
  const zeroFrames = Array.from({ length: frames }, (_, t) =>
    d.subarray(t * coeffs, (t + 1) * coeffs),
  ).filter((f) => f.every((v) => v === 0)).length;
  assert.equal(d.filter((v) => v === 0).length, zeroFrames * coeffs);
  assert.ok(zeroFrames <= 5);
  const e = new Float32Array(frames * coeffs).fill(1);
  specAugment(e, coeffs, { timeMasks: 0, timeMaskFrames: 0, freqMasks: 1, freqMaskCoeffs: 3 }, new Rng(9));
  const zeroCols = Array.from({ length: coeffs }, (_, c) => c).filter((c) => e[c] === 0);
  for (const c of zeroCols) for (let t = 0; t < frames; t++) assert.equal(e[t * coeffs + c], 0);
  assert.ok(zeroCols.length <= 3);
});

test('the same seed gives the same numbers; the state alone resumes the sequence', () => {
  const a = new Rng(42);
  const first = [a.next(), a.next()];
  const saved = a.state;
  const next = a.next();
  assert.deepEqual([new Rng(42).next(), new Rng(42).next()], [first[0], first[0]]);
  assert.equal(new Rng(saved).next(), next);
});

test('learning-rate schedules: cosine from lr down to lr*minLrRatio, step halves every stepEpochs', () => {
  const o = parseTrainOptions({ modelName: 'cnn', epochs: 11, lr: 0.01, minLrRatio: 0.1 });
  assert.ok(Math.abs(learningRate(o, 0) - 0.01) < 1e-12);
  assert.ok(Math.abs(learningRate(o, 10) - 0.001) < 1e-12);
  assert.ok(learningRate(o, 5) < 0.01 && learningRate(o, 5) > 0.001);
  const s = parseTrainOptions({
    modelName: 'cnn',
    lr: 0.01,
    lrSchedule: 'step',
    stepEpochs: 3,
    stepGamma: 0.5,
  });
  assert.deepEqual(
    [0, 2, 3, 6].map((e) => learningRate(s, e)),
    [0.01, 0.01, 0.005, 0.0025],
  );
  assert.throws(() => parseTrainOptions({ modelName: 'cnn', epochs: 0 }), /invalid training options: epochs/);
});

test("epochs default to the model's own (the CNN-LSTMs train longer than the plain CNN); an explicit count wins", () => {
  assert.equal(parseTrainOptions({ modelName: 'cnn2d-lstm' }).epochs, defaultModelEpochs('cnn2d-lstm'));
  assert.equal(parseTrainOptions({ modelName: 'cnn1d-lstm' }).epochs, defaultModelEpochs('cnn1d-lstm'));
  assert.equal(parseTrainOptions({ modelName: 'cnn' }).epochs, defaultModelEpochs('cnn'));
  assert.ok(defaultModelEpochs('cnn1d-lstm') > defaultModelEpochs('cnn'));
  assert.ok(defaultModelEpochs('cnn2d-lstm') > defaultModelEpochs('cnn'));
  assert.equal(parseTrainOptions({ modelName: 'cnn1d-lstm', epochs: 7 }).epochs, 7);
});

test('validation speakers are drawn from the training speakers only, and never overlap the rest', () => {
  const us: Utterance[] = [];
  for (const s of ['a', 'b', 'c', 'd'])
    for (let i = 0; i < 3; i++)
      us.push({ path: `${s}${i}`, label: 'anger', speaker: s, corpus: 'x', rawLabel: 'x' });
  const split = speakerSplit(us, 2, new Rng(1));
  assert.equal(split.valSpeakers.length, 2);
  assert.equal(split.val.length, 6);
  const trainSpeakers = new Set(split.train.map((u) => u.speaker));
  for (const s of split.valSpeakers) assert.ok(!trainSpeakers.has(s));
  assert.deepEqual(speakerSplit(us, 2, new Rng(1)).valSpeakers, split.valSpeakers);
  assert.throws(() => speakerSplit(us, 4, new Rng(1)), /only 4/);
  assert.equal(speakerSplit(us.slice(0, 3), 1, new Rng(1)).val.length, 0);
});

test("a network's augmented copy: pitch moves by the drawn semitones at the same length; off by default, with the same draws as before", async () => {
  const sr = 16000;
  const x = Float32Array.from({ length: sr }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 200 * i) / sr));
  const quiet = { speedFactors: [1], gainDb: 0, noiseProbability: 0 };
  const up = await augmentSignal(
    x,
    sr,
    AugmentOptionsSchema.parse({ ...quiet, pitchProbability: 1, pitchSemitones: [3, 3] }),
    new Rng(5),
  );
  assert.equal(up.length, x.length);
  // Zero crossings over the middle half: 2 per period.
  const crossings = (y: Float32Array) => {
    let n = 0;
    for (let i = sr / 4 + 1; i < (3 * sr) / 4; i++) if (y[i - 1] < 0 !== y[i] < 0) n++;
    return n;
  };
  const hz = crossings(up) / 2 / 0.5;
  assert.ok(Math.abs(hz - 200 * 2 ** (3 / 12)) < 4, `pitch ${hz} Hz`);
  // Off (the default): no draw is made for it, so the copy and the generator's state are those of before.
  const opts = AugmentOptionsSchema.parse({ gainDb: 6, noiseProbability: 0.5 });
  assert.equal(opts.pitchProbability, 0);
  const a = new Rng(9);
  const b = new Rng(9);
  const y1 = await augmentSignal(x, sr, opts, a);
  const factor = opts.speedFactors[b.int(opts.speedFactors.length)];
  let y2 = await speedPerturb(x, factor, sr);
  y2 = applyGain(y2, b.uniform(-opts.gainDb, opts.gainDb));
  if (b.next() < opts.noiseProbability) y2 = addNoiseAtSnr(y2, b.uniform(10, 30), b);
  assert.deepEqual(y1, y2);
  assert.equal(a.state, b.state);
  assert.throws(() => AugmentOptionsSchema.parse({ pitchSemitones: [2, -2] }), /low <= high/);
});
