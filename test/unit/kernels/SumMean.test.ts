import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { contiguousReduction } from '../../../src/node/kernels/reduce-axes.js';
import { size } from './cases.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

const CASES: { shape: number[]; axes: number[] }[] = [
  { shape: [3, 5, 7, 6], axes: [0, 1, 2] }, // batch-norm statistics of an NHWC tensor
  { shape: [4, 9, 3], axes: [0, 1] }, // conv1d batch norm
  { shape: [6, 5], axes: [0] },
  { shape: [2, 5, 4, 3], axes: [1, 2] }, // middle block
  { shape: [2, 5, 4, 3], axes: [2, 3] }, // trailing: built-in kernel
  { shape: [2, 5, 4, 3], axes: [0, 2] }, // not contiguous: built-in kernel
  { shape: [2, 3], axes: [0, 1] }, // everything
  { shape: [3, 40, 7, 64], axes: [0, 1, 2] }, // bias gradient of a 64-filter conv: SIMD wasm (inner % 4 = 0)
  { shape: [2, 9, 3, 8], axes: [1, 2] }, // middle block, SIMD
];

for (const c of CASES) {
  for (const keepDims of [false, true]) {
    test(`Sum and Mean on wasm equal cpu: [${c.shape}] over [${c.axes}] keepDims=${keepDims}`, async () => {
      const x = randomValues(size(c.shape), 31 + size(c.shape));
      const [wasm, cpu] = await runOn(['wasm', 'cpu'], () => {
        const t = tf.tensor(x, c.shape);
        return [
          tf.sum(t, c.axes, keepDims),
          tf.mean(t, c.axes, keepDims),
          tf.sum(t, c.axes, keepDims).reshape([-1]),
        ];
      });
      for (let i = 0; i < 2; i++) {
        assert.equal(wasm[i].length, cpu[i].length);
        assert.ok(
          relativeMaxDiff(wasm[i], cpu[i]) < 1e-5,
          `output ${i}: ${relativeMaxDiff(wasm[i], cpu[i])}`,
        );
      }
    });
  }
}

test('Sum and Mean on wasm keep the shape tfjs expects (keepDims)', async () => {
  const shapes: number[][] = [];
  await runOn(['wasm'], () => {
    const t = tf.zeros([2, 3, 4, 5]);
    shapes.push(tf.sum(t, [0, 1, 2], true).shape, tf.mean(t, [0, 1, 2]).shape, tf.sum(t, [1, 2], true).shape);
    return [];
  });
  assert.deepEqual(shapes, [[1, 1, 1, 5], [5], [2, 1, 1, 5]]);
});

test('Sum of int32 on wasm stays int32 and exact', async () => {
  const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () =>
    tf.sum(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32'), [0, 1]),
  );
  assert.deepEqual(Array.from(wasm), Array.from(cpu));
});

test('contiguousReduction splits a shape into [outer, reduce, inner] or refuses gaps', () => {
  assert.deepEqual(contiguousReduction([2, 3, 4, 5], [0, 1, 2]), [1, 24, 5]);
  assert.deepEqual(contiguousReduction([2, 3, 4, 5], [2, 1]), [2, 12, 5]);
  assert.equal(contiguousReduction([2, 3, 4, 5], [0, 2]), null);
});
