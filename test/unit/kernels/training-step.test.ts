import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../../src/node/backend.js';
import { size } from './cases.js';
import { randomValues } from './compare.js';

/** conv2d -> BN -> ELU -> maxPool (x2) -> LSTM -> softmax, like cnn2d-lstm in miniature. */
function cnn2dLstm(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.inputLayer({ inputShape: [16, 20, 1] }));
  for (const [filters, pool] of [
    [6, [2, 2]],
    [8, [2, 1]],
  ] as const) {
    m.add(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same' }));
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.elu());
    m.add(tf.layers.maxPooling2d({ poolSize: [pool[0], pool[1]] }));
  }
  m.add(tf.layers.permute({ dims: [2, 1, 3] })); // [time 10, freq 4, 8]
  m.add(tf.layers.reshape({ targetShape: [10, 32] }));
  m.add(tf.layers.lstm({ units: 8 }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}

/** Strided conv1d front end on a waveform -> BN -> ELU -> maxPool -> LSTM -> softmax. */
function cnn1dLstm(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.inputLayer({ inputShape: [256, 1] }));
  m.add(tf.layers.conv1d({ filters: 8, kernelSize: 9, strides: 4, padding: 'same' }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.elu());
  m.add(tf.layers.maxPooling1d({ poolSize: 4 }));
  m.add(tf.layers.conv1d({ filters: 8, kernelSize: 3, padding: 'same' }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.elu());
  m.add(tf.layers.maxPooling1d({ poolSize: 2 }));
  m.add(tf.layers.lstm({ units: 8 }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}

interface StepResult {
  loss: number;
  before: Float32Array[];
  after: Float32Array[];
}

/** One SGD step from the given weights on `backend`: the loss and the weights before and after. */
async function oneStep(
  backend: BackendName,
  build: () => tf.LayersModel,
  weights: Float32Array[] | null,
  x: Float32Array,
  xShape: number[],
  labels: number[],
): Promise<StepResult> {
  await initBackend(backend);
  const model = build();
  if (weights !== null) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const before = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  const xs = tf.tensor(x, xShape);
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 4);
  const loss = (await model.trainOnBatch(xs, ys)) as number;
  const after = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  tf.dispose([xs, ys]);
  model.dispose();
  return { loss, before, after };
}

function delta(r: StepResult): Float32Array[] {
  return r.after.map((a, i) => a.map((v, j) => v - r.before[i][j]));
}

for (const [name, build, xShape] of [
  ['cnn2d-lstm (conv2d 3x3 same, BN, ELU, maxPool 2x2/2x1)', cnn2dLstm, [4, 16, 20, 1]],
  ['cnn1d-lstm (conv1d k9 stride 4, k3, BN, ELU, maxPool 4/2)', cnn1dLstm, [4, 256, 1]],
] as const) {
  test(`one training step of a small ${name} on wasm matches cpu`, async () => {
    const x = randomValues(size([...xShape]), 77);
    const labels = [0, 1, 2, 3];
    const cpu = await oneStep('cpu', build, null, x, [...xShape], labels);
    const wasm = await oneStep('wasm', build, cpu.before, x, [...xShape], labels);
    assert.ok(Number.isFinite(cpu.loss) && cpu.loss > 0);
    assert.ok(Math.abs(wasm.loss - cpu.loss) / cpu.loss < 1e-4, `loss wasm ${wasm.loss} vs cpu ${cpu.loss}`);
    const dWasm = delta(wasm);
    const dCpu = delta(cpu);
    const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const largest = Math.max(...dCpu.map(maxAbs));
    let moved = 0;
    for (let i = 0; i < dCpu.length; i++) {
      if (maxAbs(dCpu[i]) > 0) moved++;
      // Biases of convolutions followed by batch norm get (theoretically) zero gradient: compare
      // those against the model's largest update instead of their own float noise.
      const scale = Math.max(maxAbs(dCpu[i]), 1e-3 * largest);
      const diff = maxAbs(dWasm[i].map((v, j) => v - dCpu[i][j])) / scale;
      assert.ok(diff < 1e-3, `weight ${i} update differs by ${diff} (relative)`);
    }
    assert.ok(moved >= dCpu.length - 2, `only ${moved} of ${dCpu.length} weights changed`);
  });
}
