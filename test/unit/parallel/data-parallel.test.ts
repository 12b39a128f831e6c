import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, type BuildModelOptions } from '../../../src/core/models/index.js';
import { weightedCrossEntropy } from '../../../src/core/models/loss.js';
import { seededRng } from '../../../src/core/random.js';
import { initBackend } from '../../../src/node/backend.js';
import { DataParallelTrainer } from '../../../src/node/parallel/data-parallel.js';

/** A small cnn2d-lstm (batch norm, LSTM) on [32 frames, 32 mels, 1]; no dropout, whose masks the reference steps here do not share. */
const BUILD: BuildModelOptions = {
  inputShape: [32, 32, 1],
  numClasses: 3,
  config: { filters: [4, 4, 8, 8], lstmUnits: 8, dropout: 0 },
};
const PER = 32 * 32;
const BATCH = 8;
const LR = 0.01;

let initial: Float32Array[];
const batches: { x: Float32Array; labels: number[]; weights: number[] }[] = [];

before(async () => {
  await initBackend('wasm');
  const model = buildModel('cnn2d-lstm', BUILD);
  initial = model.getWeights().map((t) => Float32Array.from(t.dataSync()));
  const rng = seededRng(5);
  for (let b = 0; b < 2; b++) {
    const labels = Array.from({ length: BATCH }, (_, i) => (i + b) % 3);
    const x = Float32Array.from(
      { length: BATCH * PER },
      (_, i) => rng() - 0.5 + 0.3 * labels[Math.floor(i / PER)],
    );
    batches.push({ x, labels, weights: labels.map((k) => [1, 2, 0.5][k]) });
  }
});

interface Run {
  losses: number[];
  predicted: number[][];
  weights: Float32Array[];
}

async function parallel(threads: number, shards: number): Promise<Run> {
  const dp = await DataParallelTrainer.start({
    backend: 'wasm',
    model: 'cnn2d-lstm',
    build: BUILD,
    weights: initial,
    learningRate: LR,
    threads,
    shards,
  });
  try {
    const losses: number[] = [];
    const predicted: number[][] = [];
    for (const b of batches) {
      const r = await dp.step(b.x.slice(), b.labels, b.weights);
      losses.push(r.loss);
      predicted.push([...r.predicted]);
    }
    return { losses, predicted, weights: await dp.weights() };
  } finally {
    await dp.close();
  }
}

/** The same two Adam steps on this thread, the way src/node/train/trainer.ts takes them. */
async function inProcess(): Promise<Run> {
  const model = buildModel('cnn2d-lstm', BUILD);
  model.setWeights(initial.map((w, i) => tf.tensor(w, model.weights[i].read().shape)));
  const optimizer = tf.train.adam(LR);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  const predicted: number[][] = [];
  for (const b of batches) {
    const x = tf.tensor(b.x, [BATCH, 32, 32, 1]);
    const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 3);
    const w = tf.tensor1d(b.weights);
    let p: tf.Tensor | undefined;
    const cost = optimizer.minimize(
      () => {
        const out = model.apply(x, { training: true }) as tf.Tensor;
        p = tf.keep(out.argMax(-1));
        return weightedCrossEntropy(out, y, w, tf.sum(w) as tf.Scalar);
      },
      true,
      vars,
    )!;
    losses.push(cost.dataSync()[0]);
    predicted.push([...p!.dataSync()]);
    tf.dispose([x, y, w, cost, p!]);
  }
  return { losses, predicted, weights: model.getWeights().map((t) => Float32Array.from(t.dataSync())) };
}

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    let scale = 1e-3;
    for (const v of x) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs(x[j] - b[i][j]) / scale);
  });
  return worst;
}

let one: Run;

test('one worker, one micro-batch: the same two Adam steps as training on this thread', async () => {
  one = await parallel(1, 1);
  const here = await inProcess();
  assert.equal(one.weights.length, here.weights.length);
  assert.ok(
    maxRelDiff(one.weights, here.weights) < 1e-5,
    `weights differ by ${maxRelDiff(one.weights, here.weights)}`,
  );
  one.losses.forEach((l, i) =>
    assert.ok(Math.abs(l - here.losses[i]) < 1e-5, `loss ${l} vs ${here.losses[i]}`),
  );
  assert.deepEqual(one.predicted, here.predicted);
  // The steps moved the weights (a test that cannot fail otherwise would compare initial values).
  assert.ok(maxRelDiff(one.weights, initial) > 1e-3);
});

test("two workers give one worker's result with the same micro-batches (up to float summation order)", async () => {
  const two = await parallel(2, 2);
  const serial = await parallel(1, 2);
  assert.ok(
    maxRelDiff(two.weights, serial.weights) < 1e-6,
    `weights differ by ${maxRelDiff(two.weights, serial.weights)}`,
  );
  two.losses.forEach((l, i) => assert.ok(Math.abs(l - serial.losses[i]) < 1e-6));
  assert.deepEqual(two.predicted, serial.predicted);
  // Against one batch of 8: batch norm normalised two micro-batches of 4 with their own
  // statistics, so the weights differ, but the moving means (mean of the micro-batches'
  // updates) equal the whole batch's after the first step.
  assert.ok(maxRelDiff(two.weights, one.weights) > 1e-4);
});

test('moving means after one step: mean of the micro-batches equals the whole batch', async () => {
  const dp1 = await DataParallelTrainer.start({
    backend: 'wasm',
    model: 'cnn2d-lstm',
    build: BUILD,
    weights: initial,
    learningRate: LR,
    threads: 1,
    shards: 1,
  });
  const dp2 = await DataParallelTrainer.start({
    backend: 'wasm',
    model: 'cnn2d-lstm',
    build: BUILD,
    weights: initial,
    learningRate: LR,
    threads: 2,
  });
  try {
    const b = batches[0];
    await dp1.step(b.x.slice(), b.labels, b.weights);
    await dp2.step(b.x.slice(), b.labels, b.weights);
    const model = buildModel('cnn2d-lstm', BUILD);
    const names = model.weights.map((w) => w.originalName);
    const [w1, w2] = [await dp1.weights(), await dp2.weights()];
    // The first batch norm's moving mean is computed from the first conv's output, whose weights the step has not changed yet.
    const i = names.findIndex((n) => n.endsWith('moving_mean'));
    assert.ok(i >= 0);
    assert.ok(maxRelDiff([w1[i]], [w2[i]]) < 1e-5, `moving means differ by ${maxRelDiff([w1[i]], [w2[i]])}`);
    const v = names.findIndex((n) => n.endsWith('moving_variance'));
    assert.ok(
      maxRelDiff([w1[v]], [w2[v]]) > 1e-7,
      'the moving variance misses the variance between micro-batches',
    );
  } finally {
    await Promise.all([dp1.close(), dp2.close()]);
  }
});

test('bad thread or shard counts are refused with what is accepted', async () => {
  const o = {
    backend: 'wasm' as const,
    model: 'cnn2d-lstm',
    build: BUILD,
    weights: initial,
    learningRate: LR,
  };
  await assert.rejects(
    DataParallelTrainer.start({ ...o, threads: 0 }),
    /threads must be a whole number >= 1/,
  );
  await assert.rejects(
    DataParallelTrainer.start({ ...o, threads: 2, shards: 1 }),
    /shards must be a whole number >= threads/,
  );
});
