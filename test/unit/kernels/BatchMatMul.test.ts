import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/node/backend.js';
import { size } from './cases.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

/** [a shape, b shape, transposeA, transposeB]: LSTM/dense gradient shapes, batched and broadcast ones. */
const CASES: [number[], number[], boolean, boolean][] = [
  [[5, 7], [7, 9], false, false],
  [[5, 9], [7, 9], false, true], // dx = dz @ W^T
  [[5, 7], [5, 9], true, false], // dW = x^T @ dz
  [[7, 5], [9, 7], true, true],
  [[3, 4, 6], [3, 4, 5], true, false], // batched
  [[3, 4, 6], [1, 5, 6], false, true], // broadcast batch of b
  [[2, 33, 40], [2, 41, 40], false, true], // more than one 32-wide transpose tile
  // One matrix each, columns a multiple of 8: the SIMD loop (4-row tiles and leftover rows).
  [[7, 12], [16, 12], false, true],
  [[1, 9, 5], [1, 24, 5], false, true],
  [[6, 10], [6, 8], true, false],
  [[13, 3], [8, 13], true, true],
];

for (const [sa, sb, ta, tb] of CASES) {
  test(`BatchMatMul on wasm equals cpu: [${sa}]${ta ? '^T' : ''} x [${sb}]${tb ? '^T' : ''}`, async () => {
    const a = randomValues(size(sa), 1 + size(sa));
    const b = randomValues(size(sb), 2 + size(sb));
    const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () =>
      tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb),
    );
    assert.ok(wasm.length > 0 && wasm.length === cpu.length);
    assert.ok(relativeMaxDiff(wasm, cpu) < 1e-5, `${relativeMaxDiff(wasm, cpu)}`);
  });
}

test('BatchMatMul with transposes frees its temporaries on the wasm heap', async () => {
  await initBackend('wasm');
  const a = tf.tensor(randomValues(6 * 4, 3), [6, 4]);
  const b = tf.tensor(randomValues(6 * 5, 4), [6, 5]);
  const before = tf.engine().backend.numDataIds();
  for (let k = 0; k < 3; k++) tf.dispose(tf.matMul(a, b, true, false));
  assert.equal(tf.engine().backend.numDataIds(), before);
  tf.dispose([a, b]);
});
