/**
 * Trains a TINY but real model on synthetic voice-like tones and writes it as a model bundle to
 * test/fixtures/bundles/tiny/ (committed; the server, web and predictor tests load it).
 *   sadness   = low, falling pitch (100-150 Hz), slow syllables, quiet
 *   neutral   = mid, flat pitch (170-230 Hz)
 *   happiness = high, rising pitch (280-400 Hz), fast syllables, loud
 * Usage: npx tsx scripts/make-test-bundle.ts [outDir]
 * Refuses to write the bundle unless it classifies held-out synthetic clips correctly.
 */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { BUNDLE_FORMAT_VERSION, type BundleManifest } from '../src/core/bundle.js';
import { parseFeatureConfig } from '../src/core/features/index.js';
import { Predictor } from '../src/core/predict.js';
import { sliceFrames } from '../src/core/windows.js';
import { loadBundleFromDir, saveBundle } from '../src/node/bundle-io.js';
import { TINY_LABELS as LABELS, seededRandom, tinyClip } from '../test/helpers/tones.js';
import { extractFeatures } from '../src/core/features/index.js';

const OUT = resolve(process.argv[2] ?? 'test/fixtures/bundles/tiny');
const WINDOW_SEC = 1;
const HOP_SEC = 0.5;

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const featureConfig = parseFeatureConfig({ kind: 'logmel', nMels: 24 });
  const rng = seededRandom(42);
  const clips: { x: Float32Array; k: number }[] = [];
  for (let i = 0; i < 90; i++) clips.push({ x: tinyClip(i % 3, rng), k: i % 3 });

  // Per-coefficient normalisation statistics over all training frames.
  const feats = clips.map((c) => extractFeatures(c.x, featureConfig));
  const coeffs = feats[0].coeffs;
  const sum = new Float64Array(coeffs);
  const sq = new Float64Array(coeffs);
  let count = 0;
  for (const m of feats) {
    for (let i = 0; i < m.data.length; i++) {
      sum[i % coeffs] += m.data[i];
      sq[i % coeffs] += m.data[i] * m.data[i];
    }
    count += m.frames;
  }
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.max(1e-3, Math.sqrt(Math.max(0, s / count - mean[c] ** 2))));

  const windowFrames = Math.round((WINDOW_SEC * featureConfig.sampleRate) / featureConfig.hopLength);
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  feats.forEach((m, i) => {
    const d = Float32Array.from(m.data, (v, j) => (v - mean[j % coeffs]) / std[j % coeffs]);
    const start = Math.floor(rng() * Math.max(0, m.frames - windowFrames));
    xs.push(sliceFrames(d, coeffs, start, windowFrames));
    ys.push(clips[i].k);
  });

  const model = tf.sequential({
    layers: [
      tf.layers.conv1d({
        inputShape: [windowFrames, coeffs],
        filters: 8,
        kernelSize: 5,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dense({
        units: LABELS.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const flat = new Float32Array(xs.length * windowFrames * coeffs);
  xs.forEach((x, i) => flat.set(x, i * x.length));
  const X = tf.tensor3d(flat, [xs.length, windowFrames, coeffs]);
  const Y = tf.oneHot(tf.tensor1d(ys, 'int32'), LABELS.length);
  const h = await model.fit(X, Y, { epochs: 40, batchSize: 16, shuffle: true, verbose: 0 });
  const history = h.history.loss.map((loss, i) => ({
    epoch: i + 1,
    loss: Number(loss),
    acc: Number(h.history.acc[i]),
    valLoss: null,
    valAcc: null,
    valUar: null,
    lr: 0.02,
  }));

  const manifest: BundleManifest = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    labels: [...LABELS],
    featureConfig,
    modelName: 'tiny-conv1d',
    modelConfig: { filters: 8, kernelSize: 5 },
    input: { kind: 'features', windowSec: WINDOW_SEC, hopSec: HOP_SEC },
    normalisation: { mean, std },
    corpus: 'synthetic tones (scripts/make-test-bundle.ts)',
    protocol: 'train on 90 synthetic clips; checked on 30 held-out clips',
    metrics: {},
    history,
    card:
      'TEST FIXTURE, not an emotion model. Low falling tones = sadness, mid flat tones = neutral, ' +
      'high rising tones = happiness. Regenerate with `npx tsx scripts/make-test-bundle.ts`.',
    createdAt: new Date().toISOString(),
  };

  // Held-out check through the real Predictor (features -> normalise -> windows -> model).
  const predictor = Predictor.fromBundle({ model, manifest });
  const testRng = seededRandom(7);
  let correct = 0;
  const n = 30;
  for (let i = 0; i < n; i++) {
    const p = await predictor.predict(tinyClip(i % 3, testRng));
    if (p.label === LABELS[i % 3]) correct++;
  }
  manifest.metrics = { heldOutAccuracy: correct / n, heldOutClips: n };
  console.log(`held-out accuracy ${correct}/${n}; params ${model.countParams()}`);
  if (correct < n * 0.9)
    throw new Error('tiny model did not learn the synthetic task; not writing the bundle');
  await saveBundle(OUT, model, manifest);
  await loadBundleFromDir(OUT);
  console.log(`wrote ${OUT}`);
}

await main();
