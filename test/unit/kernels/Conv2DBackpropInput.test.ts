import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/node/backend.js';
import { kernelSettings } from '../../../src/node/kernels/conv-geometry.js';
import { CONV_CASES, outShape, size, type ConvCase } from './cases.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

const TOLERANCE = 1e-4;

function inputGrad(dy: Float32Array, w: Float32Array, c: ConvCase): tf.Tensor {
  return tf
    .engine()
    .runKernel(
      tf.Conv2DBackpropInput,
      { dy: tf.tensor4d(dy, outShape(c)), filter: tf.tensor4d(w, c.filter) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
    ) as tf.Tensor;
}

for (const [i, c] of CONV_CASES.entries()) {
  test(`Conv2DBackpropInput on wasm equals cpu: ${c.name}`, async () => {
    const dy = randomValues(size(outShape(c)), 300 + i);
    const w = randomValues(size(c.filter), 400 + i);
    const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () => inputGrad(dy, w, c));
    assert.equal(wasm.length, size(c.x));
    assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE, `relative difference ${relativeMaxDiff(wasm, cpu)}`);
  });
}

test('Conv2DBackpropInput gives the same gradient when the batch is split into chunks', async () => {
  const saved = kernelSettings.chunkFloats;
  after(() => {
    kernelSettings.chunkFloats = saved;
  });
  const c = CONV_CASES[4]; // strided: the im2col path
  const dy = randomValues(size(outShape(c)), 5);
  const w = randomValues(size(c.filter), 6);
  const [[cpu]] = await runOn(['cpu'], () => inputGrad(dy, w, c));
  kernelSettings.chunkFloats = 1;
  const [[wasm]] = await runOn(['wasm'], () => inputGrad(dy, w, c));
  kernelSettings.chunkFloats = saved;
  assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE, `${relativeMaxDiff(wasm, cpu)}`);
});

test('tf.grad of conv1d with respect to its input matches cpu on wasm', async () => {
  const x = randomValues(2 * 50 * 3, 21);
  const w = randomValues(5 * 3 * 4, 22);
  const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () =>
    tf.grad((a: tf.Tensor) =>
      tf
        .conv1d(a as tf.Tensor3D, tf.tensor3d(w, [5, 3, 4]), 2, 'same')
        .square()
        .sum(),
    )(tf.tensor3d(x, [2, 50, 3])),
  );
  assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE);
});

test('Conv2DBackpropInput frees its temporaries on the wasm heap (both paths)', async () => {
  await initBackend('wasm');
  for (const c of [CONV_CASES[1], CONV_CASES[4]]) {
    const dy = tf.tensor4d(randomValues(size(outShape(c)), 1), outShape(c));
    const filter = tf.tensor4d(randomValues(size(c.filter), 2), c.filter);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
    const before = tf.engine().backend.numDataIds();
    for (let k = 0; k < 3; k++) {
      tf.dispose(tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, attrs) as tf.Tensor);
    }
    assert.equal(tf.engine().backend.numDataIds(), before, c.name);
    tf.dispose([dy, filter]);
  }
});

test('Conv2DBackpropInput rejects NCHW with a message naming the accepted format', async () => {
  await initBackend('wasm');
  const dy = tf.zeros([1, 2, 4, 4]);
  const filter = tf.zeros([3, 3, 1, 2]);
  assert.throws(
    () =>
      tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropInput,
          { dy, filter },
          { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [1, 1, 4, 4] },
        ),
    /supports dataFormat 'NHWC'.*got 'NCHW'/,
  );
  tf.dispose([dy, filter]);
});
