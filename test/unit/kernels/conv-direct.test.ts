import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/node/backend.js';
import { CONV_ONE_CHANNEL, inputConv1d, inputConv2d } from '../../../src/core/models/input-conv.js';
import { CONV_CASES, size } from './cases.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

const TOLERANCE = 1e-5;

/** The one-input-channel conv cases the direct forward loops take (output channels a multiple of 8). */
const ONE_CHANNEL = CONV_CASES.filter((c) => c.x[3] === 1 && c.filter[3] % 8 === 0);

/** The kernel on x, w, b of case c (on the active backend). */
function convOneChannel(c: (typeof CONV_CASES)[number], x: Float32Array, w: Float32Array, b: Float32Array) {
  return tf
    .engine()
    .runKernel(
      CONV_ONE_CHANNEL,
      { x: tf.tensor4d(x, c.x), filter: tf.tensor4d(w, c.filter), bias: tf.tensor1d(b) },
      { strides: c.strides, pad: c.pad },
    ) as tf.Tensor;
}

test('the sweep has one-input-channel cases for the direct forward loops', () => {
  assert.ok(ONE_CHANNEL.length >= 4, ONE_CHANNEL.map((c) => c.name).join('; '));
});

for (const [i, c] of ONE_CHANNEL.entries()) {
  test(`${CONV_ONE_CHANNEL} on wasm equals conv2d + bias on cpu: ${c.name}`, async () => {
    const x = randomValues(size(c.x), 300 + i);
    const w = randomValues(size(c.filter), 400 + i);
    const b = randomValues(c.filter[3], 500 + i);
    const [[wasm]] = await runOn(['wasm'], () => convOneChannel(c, x, w, b));
    const [[cpu]] = await runOn(['cpu'], () =>
      tf.add(tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.filter), c.strides, c.pad), tf.tensor1d(b)),
    );
    assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE, `relative difference ${relativeMaxDiff(wasm, cpu)}`);
  });
}

test(`${CONV_ONE_CHANNEL} falls back to the wasm backend's conv for several input channels`, async () => {
  const c = CONV_CASES.find((k) => k.x[3] > 1 && k.filter[3] % 8 === 0 && k.pad === 'same')!;
  const x = randomValues(size(c.x), 1);
  const w = randomValues(size(c.filter), 2);
  const b = randomValues(c.filter[3], 3);
  const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () =>
    tf.add(tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.filter), c.strides, c.pad), tf.tensor1d(b)),
  );
  const [[ours]] = await runOn(['wasm'], () => convOneChannel(c, x, w, b));
  assert.ok(relativeMaxDiff(ours, cpu) < TOLERANCE && relativeMaxDiff(wasm, cpu) < TOLERANCE);
});

test('the direct loops free their temporaries on the wasm heap', async () => {
  await initBackend('wasm');
  const c = ONE_CHANNEL[0];
  const x = tf.tensor4d(randomValues(size(c.x), 1), c.x);
  const w = tf.tensor4d(randomValues(size(c.filter), 2), c.filter);
  const b = tf.tensor1d(randomValues(c.filter[3], 3));
  const before = tf.engine().backend.numDataIds();
  for (let k = 0; k < 3; k++) {
    const y = tf
      .engine()
      .runKernel(
        CONV_ONE_CHANNEL,
        { x, filter: w, bias: b },
        { strides: c.strides, pad: c.pad },
      ) as tf.Tensor;
    const dW = tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropFilter,
        { x, dy: y },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
      ) as tf.Tensor;
    tf.dispose([y, dW]);
  }
  assert.equal(tf.engine().backend.numDataIds(), before);
  tf.dispose([x, w, b]);
});

/** Output, filter gradient and bias gradient of a layer's training-mode call on x (loss: sum of squares). */
function trainingCall(layer: tf.layers.Layer, x: tf.Tensor): Float32Array[] {
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    return tf.sum(tf.square(y)) as tf.Scalar;
  }, vars);
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  return [y, value, ...vars.map((v) => grads[v.name])].map((t) => t.dataSync().slice() as Float32Array);
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`inputConv1d and inputConv2d train like tfjs's conv layers (output, filter and bias gradients) on ${backend}`, async () => {
    await initBackend(backend);
    for (const [make, plain, shape] of [
      [
        () => inputConv1d({ filters: 16, kernelSize: 80, strides: 4, padding: 'same' }),
        () => tf.layers.conv1d({ filters: 16, kernelSize: 80, strides: 4, padding: 'same' }),
        [2, 803, 1],
      ],
      [
        () => inputConv2d({ filters: 8, kernelSize: 3, padding: 'same' }),
        () => tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }),
        [2, 13, 9, 1],
      ],
    ] as [() => tf.layers.Layer, () => tf.layers.Layer, number[]][]) {
      const x = tf.tensor(randomValues(size(shape), 9), shape);
      const ours = make();
      const theirs = plain();
      ours.apply(x);
      theirs.apply(x);
      theirs.setWeights(ours.getWeights().map((w) => tf.add(w, tf.scalar(0.01))));
      ours.setWeights(theirs.getWeights());
      const a = trainingCall(ours, x);
      const b = trainingCall(theirs, x);
      for (let k = 0; k < b.length; k++) {
        const d = relativeMaxDiff(a[k], b[k]);
        assert.ok(d < 1e-4, `${['output', 'loss', 'filter gradient', 'bias gradient'][k]}: ${d}`);
      }
      // Inference is tfjs's own call: identical.
      assert.deepEqual((ours.apply(x) as tf.Tensor).dataSync(), (theirs.apply(x) as tf.Tensor).dataSync());
      assert.equal(ours.getClassName(), theirs.getClassName());
      x.dispose();
    }
  });
}
