import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../../src/node/backend.js';
import { lstmLayer } from '../../../src/core/models/lstm-layer.js';
import { lstmLastState } from '../../../src/core/models/lstm-training.js';
import { randomValues, relativeMaxDiff } from './compare.js';

/** [batch, steps, inputs, units, recurrent activation] */
const CASES: [number, number, number, number, 'hardSigmoid' | 'sigmoid'][] = [
  [3, 5, 4, 6, 'hardSigmoid'],
  [2, 9, 7, 3, 'sigmoid'],
  [1, 2, 2, 2, 'hardSigmoid'],
  [4, 12, 16, 8, 'hardSigmoid'],
  // Units a multiple of 8: the SIMD loops of wasm/lstm.ts on wasm (4-row tiles and leftover rows).
  [5, 7, 6, 16, 'hardSigmoid'],
  [6, 4, 3, 8, 'sigmoid'],
];

/** Output and gradients (x, kernel, recurrent kernel, bias) of sum(lstm(x) * w) through a layer. */
function outputAndGrads(layer: tf.layers.Layer, x: tf.Tensor, w: tf.Tensor): Float32Array[] {
  const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const f = (xi: tf.Tensor) =>
    tf.sum(tf.mul(layer.apply(xi, { training: true }) as tf.Tensor, w)) as tf.Scalar;
  const dx = tf.grad(f)(x);
  const { grads } = tf.variableGrads(() => f(x), vars);
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  return [y, dx, ...vars.map((v) => grads[v.name])].map((t) => t.dataSync().slice() as Float32Array);
}

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  for (const [batch, steps, dim, units, act] of CASES) {
    test(`one-node LSTM equals tfjs's LSTM layer in training (output, gradients) on ${backend}: B${batch} T${steps} D${dim} U${units} ${act}`, async () => {
      await initBackend(backend);
      const args = { units, recurrentActivation: act, recurrentInitializer: 'glorotUniform' as const };
      const ours = lstmLayer(args);
      const theirs = tf.layers.lstm(args);
      const x = tf.tensor(randomValues(batch * steps * dim, 1), [batch, steps, dim]);
      ours.apply(x);
      theirs.apply(x);
      // Non-zero bias so every gate term matters.
      const weights = ours.getWeights().map((t, i) => tf.tensor(randomValues(t.size, 10 + i), t.shape));
      ours.setWeights(weights);
      theirs.setWeights(weights);
      const w = tf.tensor(randomValues(batch * units, 2), [batch, units]);
      const a = outputAndGrads(ours, x, w);
      const b = outputAndGrads(theirs, x, w);
      const names = ['h', 'dx', 'dkernel', 'drecurrent', 'dbias'];
      assert.equal(a.length, 5);
      for (let i = 0; i < 5; i++)
        assert.ok(relativeMaxDiff(a[i], b[i]) < 1e-4, `${names[i]}: ${relativeMaxDiff(a[i], b[i])}`);
      tf.dispose([x, w, ...weights]);
    });
  }
}

test('one-node LSTM rejects weights of the wrong shape, naming them', async () => {
  await initBackend('cpu');
  assert.throws(
    () => lstmLastState(tf.zeros([2, 3, 4]), tf.zeros([5, 8]), tf.zeros([2, 8]), tf.zeros([8])),
    /x \[2,3,4\] needs kernel \[4, 4U\].*got \[5,8\], \[2,8\], \[8\]/,
  );
});

test('the LSTM layer keeps tfjs behaviour outside training (inference, sequences)', async () => {
  await initBackend('cpu');
  const x = tf.tensor(randomValues(2 * 4 * 3, 5), [2, 4, 3]);
  const seq = lstmLayer({ units: 2, returnSequences: true, recurrentInitializer: 'glorotUniform' });
  assert.deepEqual((seq.apply(x, { training: true }) as tf.Tensor).shape, [2, 4, 2]);
  const last = lstmLayer({ units: 2, recurrentInitializer: 'glorotUniform' });
  const inference = last.apply(x) as tf.Tensor;
  const training = last.apply(x, { training: true }) as tf.Tensor;
  assert.ok(
    relativeMaxDiff(training.dataSync() as Float32Array, inference.dataSync() as Float32Array) < 1e-5,
  );
});

test('the one-node LSTM frees its temporaries', async () => {
  for (const backend of ['cpu', 'wasm'] as BackendName[]) {
    await initBackend(backend);
    const x = tf.tensor(randomValues(3 * 6 * 4, 3), [3, 6, 4]);
    const [k, r, b] = [tf.ones([4, 8]), tf.ones([2, 8]), tf.zeros([8])];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      tf.dispose(
        tf.grads((xi: tf.Tensor, ki: tf.Tensor) =>
          lstmLastState(xi as tf.Tensor3D, ki as tf.Tensor2D, r as tf.Tensor2D, b as tf.Tensor1D).sum(),
        )([x, k]),
      );
    }
    assert.equal(tf.memory().numTensors, before, backend);
    tf.dispose([x, k, r, b]);
  }
});
