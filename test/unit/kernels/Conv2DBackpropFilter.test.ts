import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/node/backend.js';
import { kernelSettings } from '../../../src/node/kernels/conv-geometry.js';
import { CONV_CASES, outShape, size } from './cases.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

const TOLERANCE = 1e-4;

function filterGrad(x: Float32Array, dy: Float32Array, c: (typeof CONV_CASES)[number]): tf.Tensor {
  return tf
    .engine()
    .runKernel(
      tf.Conv2DBackpropFilter,
      { x: tf.tensor4d(x, c.x), dy: tf.tensor4d(dy, outShape(c)) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
    ) as tf.Tensor;
}

for (const [i, c] of CONV_CASES.entries()) {
  test(`Conv2DBackpropFilter on wasm equals cpu: ${c.name}`, async () => {
    const x = randomValues(size(c.x), 100 + i);
    const dy = randomValues(size(outShape(c)), 200 + i);
    const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () => filterGrad(x, dy, c));
    assert.equal(wasm.length, size(c.filter));
    assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE, `relative difference ${relativeMaxDiff(wasm, cpu)}`);
  });
}

test('Conv2DBackpropFilter gives the same gradient when the batch is split into chunks', async () => {
  const saved = kernelSettings.chunkFloats;
  after(() => {
    kernelSettings.chunkFloats = saved;
  });
  for (const c of [CONV_CASES[0], CONV_CASES[4]]) {
    const x = randomValues(size(c.x), 7);
    const dy = randomValues(size(outShape(c)), 8);
    const [[cpu]] = await runOn(['cpu'], () => filterGrad(x, dy, c));
    kernelSettings.chunkFloats = 1; // one image at a time
    const [[wasm]] = await runOn(['wasm'], () => filterGrad(x, dy, c));
    kernelSettings.chunkFloats = saved;
    assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE, `${c.name}: ${relativeMaxDiff(wasm, cpu)}`);
  }
});

test('tf.grad of conv2d with respect to the filter runs on wasm and matches cpu', async () => {
  const c = CONV_CASES[2];
  const x = randomValues(size(c.x), 11);
  const w = randomValues(size(c.filter), 12);
  const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () =>
    tf.grad((f: tf.Tensor) =>
      tf
        .conv2d(tf.tensor4d(x, c.x), f as tf.Tensor4D, 1, 'same')
        .square()
        .sum(),
    )(tf.tensor4d(w, c.filter)),
  );
  assert.ok(relativeMaxDiff(wasm, cpu) < TOLERANCE);
});

test('Conv2DBackpropFilter frees its temporaries on the wasm heap', async () => {
  await initBackend('wasm');
  for (const c of [CONV_CASES[0], CONV_CASES[1]]) {
    const x = tf.tensor4d(randomValues(size(c.x), 1), c.x);
    const dy = tf.tensor4d(randomValues(size(outShape(c)), 2), outShape(c));
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
    const before = tf.engine().backend.numDataIds();
    for (let k = 0; k < 3; k++)
      tf.dispose(tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor);
    assert.equal(tf.engine().backend.numDataIds(), before, c.name);
    tf.dispose([x, dy]);
  }
});
