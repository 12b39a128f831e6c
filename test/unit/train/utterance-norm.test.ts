import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseManifest, type BundleManifest } from '../../../src/core/bundle.js';
import { Predictor, signalToModelFrames, utteranceNormaliseInPlace } from '../../../src/core/predict.js';
import type { Utterance } from '../../../src/node/datasets/types.js';
import { loadDeepBundleFromDir, saveBundle } from '../../../src/node/bundle-io.js';
import { itemWeights, trainModel } from '../../../src/node/train/trainer.js';
import { parseTrainOptions } from '../../../src/node/train/options.js';
import { seededRandom, tinyClip, toneCorpus } from '../../helpers/tones.js';
import { SMALL_CNN } from '../../helpers/tiny-deep.js';

function corpus() {
  return toneCorpus(['s1', 's2', 's3'], 3, seededRandom(5), () => 0.8);
}

const gain = (x: Float32Array, db: number) => Float32Array.from(x, (v) => v * 10 ** (db / 20));
/** A fixed spectral tilt: first-order high-pass FIR y[n] = x[n] - 0.8 x[n-1] (about +14 dB at 4 kHz against 200 Hz). */
const tilt = (x: Float32Array) => Float32Array.from(x, (v, i) => v - 0.8 * (i > 0 ? x[i - 1] : 0));

async function train(utteranceNorm: 'meanStd' | 'mean' | null) {
  const { train, signals } = corpus();
  return trainModel({
    train,
    signals,
    modelName: 'cnn',
    modelConfig: SMALL_CNN,
    featureConfig: { kind: 'logmel', nMels: 16 },
    epochs: 2,
    batchSize: 8,
    lr: 0.01,
    seed: 4,
    valSpeakers: 1,
    patience: 0,
    augment: { copies: 1 },
    utteranceNorm,
  });
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('per-utterance normalisation: each band of a clip has mean 0 (and standard deviation 1 with meanStd, unless below the floor)', () => {
  const coeffs = 3;
  const data = Float32Array.from({ length: 30 }, (_, i) =>
    i % 3 === 2 ? 5 : (i % 3) * 10 + Math.sin(i) * 4,
  );
  const mean = utteranceNormaliseInPlace(Float32Array.from(data), coeffs, 'mean');
  const z = utteranceNormaliseInPlace(Float32Array.from(data), coeffs, 'meanStd');
  for (let c = 0; c < coeffs; c++) {
    const col = (d: Float32Array) => Array.from(d).filter((_, i) => i % coeffs === c);
    const m = col(z).reduce((a, b) => a + b, 0) / 10;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(col(mean).reduce((a, b) => a + b, 0)) < 1e-4);
    const sd = Math.sqrt(col(z).reduce((a, b) => a + b * b, 0) / 10);
    assert.ok(c === 2 ? sd === 0 : Math.abs(sd - 1) < 1e-4, `band ${c} std ${sd}`);
  }
  // Mean only keeps the spread of each band.
  assert.ok(maxDiff(mean, z) > 1);
});

test('a network trained with per-utterance normalisation predicts the same for a clip at +-20 dB and through a fixed spectral tilt, after a bundle round trip', async () => {
  await tf.setBackend('cpu');
  const r = await train('meanStd');
  assert.equal(r.manifest.normalisation.utterance, 'meanStd');
  assert.match(r.manifest.protocol, /per-utterance normalised features \(meanStd\)/);
  const dir = mkdtempSync(join(tmpdir(), 'emovox-uttnorm-'));
  try {
    await saveBundle(dir, r.model, r.manifest);
    const loaded = await loadDeepBundleFromDir(dir);
    assert.equal(loaded.manifest.normalisation.utterance, 'meanStd', 'the manifest keeps the mode');
    const predictor = Predictor.fromBundle(loaded);
    const x = tinyClip(1, seededRandom(77), 1.2);
    const p = await predictor.probabilities(x);
    for (const [what, y] of [
      ['+20 dB', gain(x, 20)],
      ['-20 dB', gain(x, -20)],
      ['tilt', tilt(x)],
    ] as const) {
      const q = await predictor.probabilities(y);
      assert.ok(maxDiff(p, q) < 0.02, `${what}: ${Array.from(p)} vs ${Array.from(q)}`);
    }
    // The same network without it sees the change: the test can tell.
    const plain = Predictor.fromBundle({
      model: loaded.model,
      manifest: {
        ...loaded.manifest,
        normalisation: { ...loaded.manifest.normalisation, utterance: undefined },
      },
    });
    const pp = await plain.probabilities(x);
    const pt = await plain.probabilities(tilt(x));
    const pg = await plain.probabilities(gain(x, 20));
    assert.ok(maxDiff(pp, pt) + maxDiff(pp, pg) > 0.02, 'without it the prediction moves');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    r.model.dispose();
  }
});

test('the model frames of a normalised bundle do not move with gain or tilt; a waveform bundle with it is refused', () => {
  const manifest = {
    labels: ['a', 'b'],
    featureConfig: { kind: 'logmel', nMels: 16 },
    modelName: 'cnn',
    input: { kind: 'features', windowSec: 0.5, hopSec: 0.25 },
    normalisation: { mean: new Array(16).fill(-40), std: new Array(16).fill(10), utterance: 'mean' },
    createdAt: '2026-11-30T00:00:00Z',
    formatVersion: 1,
  };
  const m = parseManifest(JSON.parse(JSON.stringify(manifest)));
  assert.equal(m.normalisation.utterance, 'mean');
  const x = tinyClip(2, seededRandom(3), 1);
  const f = signalToModelFrames(x, m).data;
  assert.ok(maxDiff(f, signalToModelFrames(gain(x, -20), m).data) < 1e-3);
  assert.ok(maxDiff(f, signalToModelFrames(gain(x, 20), m).data) < 1e-3);
  const off: BundleManifest = {
    ...m,
    normalisation: { mean: m.normalisation.mean, std: m.normalisation.std },
  };
  assert.ok(maxDiff(signalToModelFrames(x, off).data, signalToModelFrames(gain(x, 20), off).data) > 1);
  const wave: BundleManifest = {
    ...m,
    input: { kind: 'waveform', windowSec: 0.5, hopSec: 0.25 },
    normalisation: { mean: [], std: [], utterance: 'mean' },
  };
  assert.throws(
    () => signalToModelFrames(x, wave),
    /per-utterance normalisation \('mean'\) applies to feature models/,
  );
  assert.throws(() =>
    parseManifest({ ...manifest, normalisation: { ...manifest.normalisation, utterance: 'median' } }),
  );
});

test('utteranceNorm option: true means meanStd, false and absent mean off; waveform models refuse it', async () => {
  assert.equal(parseTrainOptions({ modelName: 'cnn2d-lstm', utteranceNorm: true }).utteranceNorm, 'meanStd');
  assert.equal(parseTrainOptions({ modelName: 'cnn2d-lstm', utteranceNorm: 'mean' }).utteranceNorm, 'mean');
  assert.equal(parseTrainOptions({ modelName: 'cnn2d-lstm', utteranceNorm: false }).utteranceNorm, null);
  assert.equal(parseTrainOptions({ modelName: 'cnn2d-lstm' }).utteranceNorm, null);
  assert.throws(
    () => parseTrainOptions({ modelName: 'cnn2d-lstm', utteranceNorm: 'max' as never }),
    /utteranceNorm/,
  );
  const { train, signals } = corpus();
  await assert.rejects(
    trainModel({ train, signals, modelName: 'cnn1d-lstm', epochs: 1, utteranceNorm: 'mean' }),
    /per-utterance normalisation needs a feature-based model/,
  );
});

test('item weights: classes alone as before, corpora alone N / (C N_c), both N / (G N_ck); each corpus then sums to the same', () => {
  const mk = (corpus: string, labelIndex: number) => ({
    labelIndex,
    utterance: { corpus, path: '', label: 'anger', speaker: '', rawLabel: '' } as Utterance,
  });
  const items = [
    mk('a', 0),
    mk('a', 0),
    mk('a', 1),
    mk('a', 1),
    mk('a', 1),
    mk('a', 1),
    mk('b', 0),
    mk('b', 1),
  ];
  assert.deepEqual(itemWeights(items, 2, false, false), new Array(8).fill(1));
  // classes: 3 of class 0, 5 of class 1, K = 2
  assert.deepEqual(
    itemWeights(items, 2, true, false),
    items.map((it) => 8 / (2 * (it.labelIndex === 0 ? 3 : 5))),
  );
  const byCorpus = itemWeights(items, 2, false, true);
  const sum = (w: number[], c: string) =>
    w.reduce((a, v, i) => a + (items[i].utterance.corpus === c ? v : 0), 0);
  assert.ok(Math.abs(sum(byCorpus, 'a') - sum(byCorpus, 'b')) < 1e-9);
  const both = itemWeights(items, 2, true, true);
  assert.ok(Math.abs(sum(both, 'a') - sum(both, 'b')) < 1e-9);
  // every (corpus, class) cell weighs N / G = 2
  for (const [c, k] of [
    ['a', 0],
    ['a', 1],
    ['b', 0],
    ['b', 1],
  ] as const) {
    const cell = both.reduce(
      (a, v, i) => a + (items[i].utterance.corpus === c && items[i].labelIndex === k ? v : 0),
      0,
    );
    assert.ok(Math.abs(cell - 2) < 1e-9, `${c}/${k}: ${cell}`);
  }
});
