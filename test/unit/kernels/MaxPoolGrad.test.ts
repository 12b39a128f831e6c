import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/node/backend.js';
import { size } from './cases.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

interface PoolCase {
  name: string;
  x: [number, number, number, number];
  pool: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

const POOL_CASES: PoolCase[] = [
  { name: '4x4 (cnn2d block 1)', x: [2, 16, 20, 3], pool: [4, 4], strides: [4, 4], pad: 'valid' },
  { name: '2x2 odd sizes (floor)', x: [3, 7, 9, 5], pool: [2, 2], strides: [2, 2], pad: 'valid' },
  { name: '2x1 (frequency only)', x: [2, 6, 5, 8], pool: [2, 1], strides: [2, 1], pad: 'valid' },
  {
    name: '3x3 stride 1 same (overlapping windows)',
    x: [1, 6, 7, 4],
    pool: [3, 3],
    strides: [1, 1],
    pad: 'same',
  },
  { name: '3x3 stride 2 same', x: [2, 9, 8, 2], pool: [3, 3], strides: [2, 2], pad: 'same' },
  { name: '1D pool 4 (cnn1d)', x: [2, 1, 50, 6], pool: [1, 4], strides: [1, 4], pad: 'valid' },
  { name: '1D pool 2 same, odd length', x: [3, 1, 33, 1], pool: [1, 2], strides: [1, 2], pad: 'same' },
  // Channels a multiple of 4 and tiling windows: the SIMD wasm pass.
  { name: '4x4 c64 (SIMD)', x: [2, 17, 14, 64], pool: [4, 4], strides: [4, 4], pad: 'valid' },
  { name: '2x2 odd sizes c8 (SIMD)', x: [3, 7, 9, 8], pool: [2, 2], strides: [2, 2], pad: 'valid' },
];

function poolGrad(x: Float32Array, c: PoolCase, dyValues: (n: number) => Float32Array): tf.Tensor {
  return tf.grad((a: tf.Tensor) => {
    const y = tf.maxPool(a as tf.Tensor4D, c.pool, c.strides, c.pad);
    return y.mul(tf.tensor(dyValues(y.size), y.shape)).sum();
  })(tf.tensor4d(x, c.x));
}

for (const [i, c] of POOL_CASES.entries()) {
  test(`MaxPoolGrad on wasm equals cpu: ${c.name}`, async () => {
    const x = randomValues(size(c.x), 500 + i);
    const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () =>
      poolGrad(x, c, (n) => randomValues(n, 600 + i)),
    );
    assert.ok(relativeMaxDiff(wasm, cpu) < 1e-6, `relative difference ${relativeMaxDiff(wasm, cpu)}`);
  });
}

for (const c of [POOL_CASES[1], POOL_CASES[POOL_CASES.length - 1]]) {
  test(`MaxPoolGrad sends a tied window gradient to its first maximum, as cpu does: ${c.name}`, async () => {
    // Quantised values: many windows hold the same maximum twice.
    const x = randomValues(size(c.x), 9).map((v) => Math.round(v * 2));
    const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () => poolGrad(x, c, (n) => randomValues(n, 10)));
    assert.deepEqual(Array.from(wasm), Array.from(cpu));
  });
}

test('MaxPoolGrad leaves no tensors behind on wasm', async () => {
  await initBackend('wasm');
  const c = POOL_CASES[0];
  const x = tf.tensor4d(randomValues(size(c.x), 1), c.x);
  const before = tf.engine().backend.numDataIds();
  tf.dispose(tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.pool, c.strides, c.pad).sum())(x));
  assert.equal(tf.engine().backend.numDataIds(), before);
  x.dispose();
});
