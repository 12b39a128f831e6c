import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/node/backend.js';
import { CONV_TRAINING, trainingConv1d, trainingConv2d } from '../../../src/core/models/conv-training.js';
import { CONV_CASES, size, type ConvCase } from './cases.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

const TOLERANCE = 1e-5;

/** The training conv kernel on x, w, b of case c (on the active backend). */
function convTraining(c: ConvCase, x: Float32Array, w: Float32Array, b: Float32Array): tf.Tensor {
  return tf
    .engine()
    .runKernel(
      CONV_TRAINING,
      { x: tf.tensor4d(x, c.x), filter: tf.tensor4d(w, c.filter), bias: tf.tensor1d(b) },
      { strides: c.strides, pad: c.pad },
    ) as tf.Tensor;
}

test('the sweep has one- and several-input-channel cases for the direct forward loops', () => {
  const direct = CONV_CASES.filter((c) => c.filter[3] % 8 === 0);
  assert.ok(direct.filter((c) => c.x[3] === 1).length >= 4);
  assert.ok(direct.filter((c) => c.x[3] > 1).length >= 4);
});

// Output channels a multiple of 8 run the direct loops, the others the wasm backend's fused conv.
for (const [i, c] of CONV_CASES.entries()) {
  test(`${CONV_TRAINING} on wasm equals conv2d + bias on cpu: ${c.name}`, async () => {
    const x = randomValues(size(c.x), 300 + i);
    const w = randomValues(size(c.filter), 400 + i);
    const b = randomValues(c.filter[3], 500 + i);
    const [[wasm]] = await runOn(['wasm'], () => convTraining(c, x, w, b));
    const [[cpu]] = await runOn(['cpu'], () =>
      tf.add(tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.filter), c.strides, c.pad), tf.tensor1d(b)),
    );
    assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE, `relative difference ${relativeMaxDiff(wasm, cpu)}`);
  });
}

test('the direct loops free their temporaries on the wasm heap', async () => {
  await initBackend('wasm');
  for (const c of CONV_CASES.filter((k) => k.filter[3] % 8 === 0 && k.strides[1] === 1)) {
    const x = tf.tensor4d(randomValues(size(c.x), 1), c.x);
    const w = tf.tensor4d(randomValues(size(c.filter), 2), c.filter);
    const b = tf.tensor1d(randomValues(c.filter[3], 3));
    const conv = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    const before = tf.engine().backend.numDataIds();
    for (let k = 0; k < 3; k++) {
      const y = tf.engine().runKernel(CONV_TRAINING, { x, filter: w, bias: b }, conv) as tf.Tensor;
      const dW = tf
        .engine()
        .runKernel(tf.Conv2DBackpropFilter, { x, dy: y }, { ...conv, filterShape: c.filter }) as tf.Tensor;
      const dx = tf
        .engine()
        .runKernel(tf.Conv2DBackpropInput, { dy: y, filter: w }, { ...conv, inputShape: c.x }) as tf.Tensor;
      tf.dispose([y, dW, dx]);
    }
    assert.equal(tf.engine().backend.numDataIds(), before, c.name);
    tf.dispose([x, w, b]);
  }
});

/** Output, loss (sum of squares) and its gradients (x when asked, then the layer's weights) in training. */
function trainingCall(layer: tf.layers.Layer, x: tf.Tensor, withInput: boolean): Float32Array[] {
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const loss = (input: tf.Tensor) => tf.sum(tf.square(layer.apply(input, { training: true }) as tf.Tensor));
  const { value, grads } = tf.variableGrads(() => loss(x) as tf.Scalar, vars);
  const dx = withInput ? [tf.grad(loss)(x)] : [];
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  return [y, value, ...dx, ...vars.map((v) => grads[v.name])].map(
    (t) => t.dataSync().slice() as Float32Array,
  );
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`trainingConv1d and trainingConv2d train like tfjs's conv layers (output, input, filter and bias gradients) on ${backend}`, async () => {
    await initBackend(backend);
    for (const [make, plain, shape, withInput] of [
      [
        () => trainingConv1d({ filters: 16, kernelSize: 80, strides: 4, padding: 'same' }, false),
        () => tf.layers.conv1d({ filters: 16, kernelSize: 80, strides: 4, padding: 'same' }),
        [2, 803, 1],
        false,
      ],
      [
        () => trainingConv1d({ filters: 16, kernelSize: 3, padding: 'same' }),
        () => tf.layers.conv1d({ filters: 16, kernelSize: 3, padding: 'same' }),
        [2, 301, 8],
        true,
      ],
      [
        () => trainingConv2d({ filters: 8, kernelSize: 3, padding: 'same' }, false),
        () => tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }),
        [2, 13, 9, 1],
        false,
      ],
      [
        () => trainingConv2d({ filters: 16, kernelSize: 3, padding: 'same' }),
        () => tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same' }),
        [2, 11, 7, 8],
        true,
      ],
    ] as [() => tf.layers.Layer, () => tf.layers.Layer, number[], boolean][]) {
      const x = tf.tensor(randomValues(size(shape), 9), shape);
      const ours = make();
      const theirs = plain();
      ours.apply(x);
      theirs.apply(x);
      theirs.setWeights(ours.getWeights().map((w) => tf.add(w, tf.scalar(0.01))));
      ours.setWeights(theirs.getWeights());
      const a = trainingCall(ours, x, withInput);
      const b = trainingCall(theirs, x, withInput);
      const names = [
        'output',
        'loss',
        ...(withInput ? ['input gradient'] : []),
        'filter gradient',
        'bias gradient',
      ];
      for (let k = 0; k < b.length; k++) {
        const d = relativeMaxDiff(a[k], b[k]);
        assert.ok(d < 1e-4, `[${shape}] ${names[k]}: ${d}`);
      }
      // Inference is tfjs's own call: identical.
      assert.deepEqual((ours.apply(x) as tf.Tensor).dataSync(), (theirs.apply(x) as tf.Tensor).dataSync());
      assert.equal(ours.getClassName(), theirs.getClassName());
      x.dispose();
    }
  });
}
