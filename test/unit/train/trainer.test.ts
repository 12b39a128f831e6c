import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { parseManifest } from '../../../src/core/bundle.js';
import { Predictor } from '../../../src/core/predict.js';
import type { TrainSnapshot } from '../../../src/node/train/trainer.js';
import { trainModel } from '../../../src/node/train/trainer.js';
import { firstKeptEpoch, improves, keptEpoch, parseTrainOptions } from '../../../src/node/train/options.js';
import { buildModel } from '../../../src/core/models/registry.js';
import { seededRandom, tinyClip, toneCorpus } from '../../helpers/tones.js';
import { SMALL_CNN } from '../../helpers/tiny-deep.js';

function syntheticCorpus(speakers: string[], perClass: number) {
  return toneCorpus(speakers, perClass, seededRandom(11), (rng) => 0.4 + 0.6 * rng());
}

test('trainModel learns a separable synthetic task, validates on held-out speakers and returns a usable bundle', async () => {
  await tf.setBackend('cpu');
  const { train, signals } = syntheticCorpus(['s1', 's2', 's3'], 4);
  const epochsSeen: number[] = [];
  const r = await trainModel({
    train,
    signals,
    modelName: 'cnn',
    modelConfig: SMALL_CNN,
    featureConfig: { kind: 'logmel', nMels: 16, fMax: 2000 },
    epochs: 8,
    batchSize: 8,
    lr: 0.01,
    seed: 3,
    valSpeakers: 1,
    patience: 0,
    // The best validated epoch, not the average of the window (the default, tested in average-mixup).
    average: false,
    augment: { copies: 1, noiseProbability: 0.3 },
    corpus: 'synthetic',
    onEpoch: (s) => {
      epochsSeen.push(s.epoch);
    },
  });
  assert.deepEqual(epochsSeen, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(r.history.length, 8);
  assert.equal(r.valSpeakers.length, 1);
  assert.deepEqual(r.manifest.labels, ['neutral', 'happiness', 'sadness']);
  const last = r.history[r.history.length - 1];
  assert.ok(last.lr < r.history[0].lr, 'cosine schedule lowers the learning rate');
  assert.ok(r.history.every((h) => h.valUar !== null));
  // Every epoch is validated, but only the last third of the schedule (epochs 6-8) competes.
  assert.equal(firstKeptEpoch(parseTrainOptions({ modelName: 'cnn', epochs: 8 })), 6);
  assert.ok(r.keptEpoch !== null && r.keptEpoch >= 6, `kept epoch ${r.keptEpoch}`);
  assert.equal(
    r.keptEpoch,
    keptEpoch(r.history, 'uar', 6),
    'the weights of the best validation UAR are kept',
  );
  const best = Math.max(...r.history.map((h) => h.valUar!));
  assert.ok(best >= 0.66, `validation UAR on the held-out speaker ${best}: ${JSON.stringify(r.history)}`);
  parseManifest(r.manifest);
  const predictor = Predictor.fromBundle({ model: r.model, manifest: r.manifest });
  const p = await predictor.predict(tinyClip(2, seededRandom(99), 1.2));
  assert.equal(p.label, 'happiness');
});

test('the default recipe: 60 epochs, batch 32, cosine rate, every speaker trains, the weights of the last third averaged, augmentation', () => {
  const o = parseTrainOptions({ modelName: 'cnn2d-lstm' });
  assert.equal(o.epochs, 60);
  assert.equal(o.batchSize, 32);
  assert.equal(o.lrSchedule, 'cosine');
  assert.equal(o.valSpeakers, 0, 'no training speaker is held out');
  assert.equal(o.patience, 0, 'the whole schedule runs');
  assert.equal(firstKeptEpoch(o), 41, 'epochs 41-60 are averaged (or compete on validation speakers)');
  assert.equal(firstKeptEpoch({ epochs: 30, keepFrom: 2 / 3 }), 21);
  assert.equal(firstKeptEpoch({ epochs: 30, keepFrom: 0 }), 1);
  assert.equal(firstKeptEpoch({ epochs: 1, keepFrom: 2 / 3 }), 1);
  assert.equal(o.average, true, 'weight averaging');
  assert.equal(o.mixup, 0, 'mixup is off unless asked');
  assert.throws(() => parseTrainOptions({ modelName: 'cnn', mixup: -1 }), /mixup/);
  // No augmented copies by default (networks on features get SpecAugment instead).
  assert.equal(o.augment.copies, 0);
  assert.ok(
    o.augment.speedFactors.some((f) => f !== 1),
    'speed perturbation',
  );
  assert.ok(o.augment.timeMasks > 0 && o.augment.freqMasks > 0, 'SpecAugment masks');
});

test('cnn2d-lstm trains on its own input by default: 64-band log-mel, batches of 32 random crops', async () => {
  await tf.setBackend('cpu');
  const { train, signals } = syntheticCorpus(['s1', 's2', 's3'], 6);
  const batches = new Set<number>();
  const r = await trainModel({
    train,
    signals,
    modelName: 'cnn2d-lstm',
    // Sizes and epochs only (a fast test); features, batch, augmentation and validation are the defaults.
    modelConfig: { filters: [2, 2, 2, 2], lstmUnits: 4, inputSeconds: 0.5 },
    epochs: 1,
    onBatch: (p) => batches.add(p.batches),
  });
  assert.equal(r.manifest.featureConfig.kind, 'logmel');
  assert.equal(r.manifest.featureConfig.nMels, 64);
  assert.equal(r.manifest.normalisation.mean.length, 64);
  assert.equal(r.valSpeakers.length, 0, 'every training speaker trains');
  assert.deepEqual(r.averaged, { fromEpoch: 1, toEpoch: 1, count: 1 }, 'batch-norm statistics averaged too');
  assert.equal(r.manifest.metrics.validation, undefined, 'no validation record without validation speakers');
  assert.equal((r.manifest.metrics.averaged as { count: number }).count, 1);
  // 3 training speakers x 18 clips = 54 clips in batches of 32.
  assert.deepEqual([...batches], [2]);
  assert.equal(r.manifest.modelConfig.dropout, 0, 'no dropout, as the PyTorch anchor');
  r.model.dispose();
  // An explicit feature setting still wins over the model's own.
  const mfcc = await trainModel({
    train,
    signals,
    modelName: 'cnn2d-lstm',
    modelConfig: { filters: [2, 2, 2, 2], lstmUnits: 4, inputSeconds: 0.5 },
    featureConfig: { kind: 'mfcc', nMfcc: 32, nMels: 64 },
    epochs: 1,
    augment: { copies: 0 },
  });
  assert.equal(mfcc.manifest.featureConfig.kind, 'mfcc');
  assert.equal(mfcc.manifest.normalisation.mean.length, 32);
  mfcc.model.dispose();
});

test('early stopping keeps the epoch with the best validation UAR by default (ties: lower loss), or the lowest loss', () => {
  const e = (valUar: number, valLoss: number) => ({
    epoch: 1,
    loss: 1,
    acc: 0.5,
    valLoss,
    valAcc: valUar,
    valUar,
    lr: 1e-3,
  });
  assert.equal(parseTrainOptions({ modelName: 'cnn' }).earlyStopOn, 'uar');
  // A confident network with more right answers but a higher cross-entropy is kept under 'uar' only.
  assert.equal(improves(e(0.6, 2.1), e(0.3, 1.8), 'uar'), true);
  assert.equal(improves(e(0.6, 2.1), e(0.3, 1.8), 'loss'), false);
  assert.equal(improves(e(0.5, 1.0), e(0.5, 1.2), 'uar'), true);
  assert.equal(improves(e(0.5, 1.3), e(0.5, 1.2), 'uar'), false);
});

test('batch norm keeps running statistics with momentum 0.9 (PyTorch: 0.1), so a short run ends with usable ones', async () => {
  await tf.setBackend('cpu');
  for (const name of ['cnn2d-lstm', 'cnn', 'cnn1d-lstm']) {
    const m = buildModel(name, {
      inputShape: name === 'cnn1d-lstm' ? [16000, 1] : [100, 64, 1],
      numClasses: 3,
      config: name === 'cnn1d-lstm' ? { inputSeconds: 1 } : {},
    });
    const momenta = m.layers
      .filter((l) => l.getClassName() === 'BatchNormalization')
      .map((l) => (l.getConfig() as { momentum: number }).momentum);
    assert.deepEqual(momenta, [0.9, 0.9, 0.9, 0.9], name);
    m.dispose();
  }
});

test('trainModel refuses data it cannot train on, with the reason', async () => {
  const { train, signals } = syntheticCorpus(['s1'], 1);
  await assert.rejects(
    trainModel({ train: train.filter((u) => u.label === 'sadness'), signals, modelName: 'cnn' }),
    /at least two labels/,
  );
  await assert.rejects(trainModel({ train, signals: new Map(), modelName: 'cnn' }), /no decoded signal for/);
  await assert.rejects(trainModel({ train, signals, modelName: 'nope' }), /unknown model 'nope'/);
});

/** Same seed, same history; a run resumed from its epoch-1 snapshot continues it. */
async function reproducesAndResumes(extra: { threads?: number; dropout?: number; mixup?: number }) {
  await tf.setBackend('cpu');
  const { train, signals } = syntheticCorpus(['s1', 's2'], 2);
  const base = {
    train,
    signals,
    modelName: 'cnn',
    modelConfig: { ...SMALL_CNN, ...(extra.dropout ? { dropout: extra.dropout } : {}) },
    ...(extra.threads ? { threads: extra.threads } : {}),
    ...(extra.mixup ? { mixup: extra.mixup } : {}),
    featureConfig: { kind: 'logmel' as const, nMels: 16, fMax: 2000 },
    epochs: 3,
    batchSize: 4,
    lr: 0.01,
    seed: 5,
    augment: { copies: 1 },
  };
  let afterFirst: TrainSnapshot | undefined;
  const full = await trainModel({
    ...base,
    onEpoch: (s) => {
      if (s.epoch === 1) {
        afterFirst = {
          ...s,
          modelWeights: s.modelWeights.map((t) => t.clone()),
          bestWeights: s.bestWeights?.map((t) => t.clone()) ?? null,
          optimizerWeights: s.optimizerWeights.map((w) => ({ name: w.name, tensor: w.tensor.clone() })),
        };
      }
    },
  });
  const strip = (h: typeof full.history) => h.map(({ seconds: _, ...rest }) => rest);
  const again = await trainModel(base);
  assert.deepEqual(strip(again.history), strip(full.history), 'same seed, same run');
  const resumed = await trainModel({ ...base, resume: afterFirst });
  // Adam's restored bias-correction terms are recomputed as beta^t, not multiplied step by step,
  // so a resumed run matches to float32 rounding rather than bit for bit.
  const close = (a: number | null, b: number | null) => a === b || Math.abs(a! - b!) < 1e-3;
  resumed.history.forEach((h, i) => {
    const f = full.history[i];
    assert.equal(h.epoch, f.epoch);
    assert.equal(h.lr, f.lr);
    for (const k of ['loss', 'acc', 'valLoss', 'valAcc', 'valUar'] as const) {
      assert.ok(close(h[k], f[k]), `epoch ${h.epoch} ${k}: resumed ${h[k]} vs uninterrupted ${f[k]}`);
    }
  });
}

test('the same seed reproduces a run, and resuming from an epoch snapshot continues it', () =>
  reproducesAndResumes({}));

test('data-parallel on 2 worker threads: the same seed reproduces a run (dropout masks too), and resuming continues it', () =>
  reproducesAndResumes({ threads: 2, dropout: 0.3 }));

test('mixup on 2 worker threads (soft targets through the protocol): the same seed reproduces a run, and resuming continues it', () =>
  reproducesAndResumes({ threads: 2, mixup: 0.4 }));
