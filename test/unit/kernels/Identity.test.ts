import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/node/backend.js';

test('Identity on wasm shares data: a clone survives disposing its source, with the same values', async () => {
  await initBackend('wasm');
  const before = tf.engine().backend.numDataIds();
  const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const y = x.clone();
  assert.equal(tf.engine().backend.numDataIds(), before + 1); // no copy made
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
  y.dispose();
  assert.equal(tf.engine().backend.numDataIds(), before);
});

test('Identity on wasm keeps int32, bool and string tensors', async () => {
  await initBackend('wasm');
  const t = [tf.tensor1d([7, -8], 'int32'), tf.tensor1d([true, false], 'bool'), tf.tensor1d(['a', 'b'])];
  const c = t.map((v) => v.clone());
  assert.deepEqual(
    c.map((v) => Array.from(v.dataSync() as ArrayLike<unknown>)),
    [
      [7, -8],
      [1, 0],
      ['a', 'b'],
    ],
  );
  assert.deepEqual(
    c.map((v) => v.dtype),
    ['int32', 'bool', 'string'],
  );
  tf.dispose([...t, ...c]);
});
