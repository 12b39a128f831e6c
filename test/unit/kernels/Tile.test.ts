import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { size } from './cases.js';
import { randomValues, runOn } from './compare.js';

const CASES: { shape: number[]; reps: number[] }[] = [
  { shape: [1, 1, 1, 6], reps: [3, 4, 5, 1] }, // batch-norm gradient: a per-channel vector over N, H, W
  { shape: [2, 3], reps: [2, 3] },
  { shape: [3, 1, 2], reps: [1, 4, 1] },
  { shape: [5], reps: [7] },
  { shape: [2, 2, 3, 1], reps: [1, 2, 1, 3] },
  { shape: [4, 3], reps: [1, 1] },
];

for (const c of CASES) {
  test(`Tile on wasm equals cpu: [${c.shape}] x [${c.reps}]`, async () => {
    const x = randomValues(size(c.shape), size(c.shape));
    const [[wasm], [cpu]] = await runOn(['wasm', 'cpu'], () => tf.tile(tf.tensor(x, c.shape), c.reps));
    assert.equal(wasm.length, size(c.shape) * size(c.reps));
    assert.deepEqual(Array.from(wasm), Array.from(cpu));
  });
}

test('Tile on wasm keeps int32 and bool tensors exact', async () => {
  const [[wasmInt, wasmBool], [cpuInt, cpuBool]] = await runOn(['wasm', 'cpu'], () => [
    tf.tile(tf.tensor2d([1, -2, 3, 2147483647], [2, 2], 'int32'), [3, 2]),
    tf.tile(tf.tensor1d([true, false, true], 'bool'), [4]),
  ]);
  assert.deepEqual(Array.from(wasmInt), Array.from(cpuInt));
  assert.deepEqual(Array.from(wasmBool), Array.from(cpuBool));
});
