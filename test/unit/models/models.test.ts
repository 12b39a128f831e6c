import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  buildModel,
  defaultModelConfig,
  describeModel,
  MODEL_NAMES,
  ModelConfigError,
  modelInput,
  receptiveField1d,
} from '../../../src/core/models/index.js';

before(async () => {
  await tf.setBackend('cpu');
});

/** Small sizes so the suite stays fast; the defaults are exercised by the shape tests. */
const SMALL = { filters: [4, 4, 8, 8], lstmUnits: 8 };

function inputShapeFor(name: string, seconds: number): number[] {
  return modelInput(name) === 'waveform'
    ? [Math.round(seconds * 16000), 1]
    : [Math.round(seconds * 100), 40, 1];
}

test('every model builds for several input lengths and outputs [batch, classes] softmax rows', () => {
  for (const name of MODEL_NAMES) {
    for (const seconds of [1, 2, 3]) {
      const inputShape = inputShapeFor(name, seconds);
      const model = buildModel(name, { inputShape, numClasses: 5, config: SMALL });
      assert.deepEqual(model.outputs[0].shape, [null, 5], `${name} ${seconds}s`);
      const probs = tf.tidy(
        () => model.predict(tf.randomNormal([3, ...inputShape], 0, 1, 'float32', 7)) as tf.Tensor,
      );
      assert.deepEqual(probs.shape, [3, 5]);
      for (const row of probs.arraySync() as number[][]) {
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${name}: row sums to ${row}`);
        assert.ok(row.every((p) => p >= 0));
      }
      probs.dispose();
      model.dispose();
    }
  }
});

test('cnn2d-lstm with the anchor configuration has the analytic parameter count, close to 458k', () => {
  const model = buildModel('cnn2d-lstm', { inputShape: [300, 64, 1], numClasses: 7 });
  const conv = (cin: number, cout: number) => 3 * 3 * cin * cout + cout;
  const bn = (c: number) => 4 * c; // gamma, beta, moving mean, moving variance
  const lstm = (inputs: number, units: number) => 4 * (inputs * units + units * units + units);
  const expected =
    conv(1, 64) +
    bn(64) +
    conv(64, 64) +
    bn(64) +
    conv(64, 128) +
    bn(128) +
    conv(128, 128) +
    bn(128) +
    lstm(2 * 128, 128) +
    (128 * 7 + 7);
  const { params, trainableParams } = describeModel(model, 3);
  assert.equal(params, expected);
  assert.equal(trainableParams, expected - 2 * (64 + 64 + 128 + 128));
  assert.ok(Math.abs(params - 458_000) / 458_000 < 0.01, `params ${params}`);
  model.dispose();
});

test('the time axis reaching the LSTM keeps at least 4 steps for 3 s of audio', () => {
  for (const [name, inputShape] of [
    ['cnn2d-lstm', [300, 64, 1]],
    ['cnn1d-lstm', [48000, 1]],
  ] as const) {
    const model = buildModel(name, { inputShape, numClasses: 7 });
    const lstmInput = model.getLayer('lstm').input as tf.SymbolicTensor;
    const steps = lstmInput.shape[1] as number;
    assert.ok(steps >= 4, `${name}: ${steps} steps`);
    if (name === 'cnn2d-lstm') assert.deepEqual(lstmInput.shape, [null, 18, 256]);
    if (name === 'cnn1d-lstm') assert.equal(steps, 75); // 25 steps per second
    model.dispose();
  }
});

test('cnn1d-lstm receptive field matches its documented 1516 samples at a 640-sample step', () => {
  assert.deepEqual(receptiveField1d(defaultModelConfig('cnn1d-lstm')), {
    fieldSamples: 1516,
    stepSamples: 640,
  });
});

test('describeModel counts conv, LSTM and dense multiply-adds per second of audio', () => {
  const model = buildModel('cnn2d-lstm', { inputShape: [300, 64, 1], numClasses: 7 });
  const macs =
    300 * 64 * 64 * 9 * 1 +
    75 * 16 * 64 * 9 * 64 +
    37 * 8 * 128 * 9 * 64 +
    18 * 4 * 128 * 9 * 128 +
    18 * 4 * 128 * (256 + 128) +
    7 * 128;
  assert.equal(describeModel(model, 3).flopsPerSecondOfAudio, (2 * macs) / 3);
  model.dispose();
});

test('bad names, configs and shapes are rejected with a message saying what is accepted', () => {
  assert.throws(() => buildModel('resnet', { inputShape: [300, 64, 1], numClasses: 7 }), {
    name: 'ModelConfigError',
    message: /unknown model 'resnet'; available: cnn2d-lstm, cnn1d-lstm, cnn/,
  });
  assert.throws(
    () => buildModel('cnn2d-lstm', { inputShape: [300, 64, 1], numClasses: 7, config: { filters: [8, 8] } }),
    /filters has 2 blocks but kernelSizes has 4/,
  );
  assert.throws(
    () => buildModel('cnn2d-lstm', { inputShape: [300, 64, 1], numClasses: 7, config: { dropout: 2 } }),
    (e: unknown) =>
      e instanceof ModelConfigError && /dropout/.test(e.message) && e.code === 'BAD_MODEL_CONFIG',
  );
  assert.throws(
    () =>
      buildModel('cnn2d-lstm', { inputShape: [300, 64, 1], numClasses: 7, config: { lstmUnit: 3 } as never }),
    /lstmUnit/,
  );
  assert.throws(
    () => buildModel('cnn2d-lstm', { inputShape: [10, 64, 1], numClasses: 7 }),
    /input too small for block 3/,
  );
  assert.throws(
    () => buildModel('cnn1d-lstm', { inputShape: [300, 64, 1], numClasses: 7 }),
    /inputShape must have 2/,
  );
  assert.throws(() => buildModel('cnn', { inputShape: [300, 40, 1], numClasses: 1 }), /numClasses must be/);
});

test('a few training steps on a separable synthetic problem reduce the loss', async () => {
  for (const name of MODEL_NAMES) {
    const inputShape = modelInput(name) === 'waveform' ? [512, 1] : [16, 8, 1];
    const config =
      modelInput(name) === 'waveform'
        ? { filters: [4, 8], kernelSizes: [8, 3], convStrides: [4, 1], poolsTime: [4, 2], lstmUnits: 8 }
        : {
            filters: [4, 8],
            kernelSizes: [3, 3],
            poolsFreqTime: [
              [2, 2],
              [2, 2],
            ] as [number, number][],
            lstmUnits: 8,
            dropout: 0,
          };
    const model = buildModel(name, { inputShape, numClasses: 2, config });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
    // Class 0: low-amplitude noise; class 1: the same noise plus a constant offset.
    const n = 16;
    const { x, y } = tf.tidy(() => {
      const labels = tf.tensor1d(
        Array.from({ length: n }, (_, i) => i % 2),
        'int32',
      );
      const noise = tf.randomNormal([n, ...inputShape], 0, 0.1, 'float32', 3);
      const offset = labels.cast('float32').reshape([n, ...inputShape.map(() => 1)]);
      return { x: noise.add(offset), y: tf.oneHot(labels, 2) };
    });
    const history = await model.fit(x, y, { epochs: 6, batchSize: 8, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    assert.ok(
      losses[losses.length - 1] < losses[0] * 0.5,
      `${name}: loss ${losses.map((l) => l.toFixed(3))}`,
    );
    tf.dispose([x, y]);
    model.dispose();
  }
});
