import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/core/random.js';
import { mixBatch } from '../../../src/node/train/mixup.js';
import { recomputeBatchNorm, trainModel, type TrainSnapshot } from '../../../src/node/train/trainer.js';
import { batchNormalization } from '../../../src/core/models/batch-norm-layer.js';
import type { CachedUtterance } from '../../../src/node/train/data.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src/node/train/checkpoint.js';
import { seededRandom, toneCorpus } from '../../helpers/tones.js';
import { SMALL_CNN } from '../../helpers/tiny-deep.js';

test('mixup mixes a batch: each row is lambda x_i + (1 - lambda) x_j, targets soft and summing to 1, weights mixed alike', () => {
  const per = 5;
  const labels = [0, 1, 2, 1];
  const weights = [1, 2, 0.5, 2];
  const x = Float32Array.from({ length: labels.length * per }, (_, i) => Math.sin(i) * 3);
  const original = x.slice();
  const m = mixBatch(x, per, labels, weights, 3, 0.4, new Rng(7));
  assert.ok(m.lambda > 0 && m.lambda < 1, `lambda ${m.lambda}`);
  assert.deepEqual([...m.permutation].sort(), [0, 1, 2, 3]);
  assert.ok(
    m.permutation.some((j, i) => j !== i),
    'a permutation that mixes something',
  );
  labels.forEach((k, i) => {
    const j = m.permutation[i];
    for (let f = 0; f < per; f++) {
      const want = m.lambda * original[i * per + f] + (1 - m.lambda) * original[j * per + f];
      assert.ok(Math.abs(x[i * per + f] - want) < 1e-5, `row ${i} feature ${f}`);
    }
    const row = [...m.targets.subarray(i * 3, i * 3 + 3)];
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6, `row ${i} sums to 1`);
    const want = [0, 0, 0];
    want[k] += m.lambda;
    want[labels[j]] += 1 - m.lambda;
    row.forEach((v, c) => assert.ok(Math.abs(v - want[c]) < 1e-6, `target ${i},${c}`));
    assert.ok(Math.abs(m.weights[i] - (m.lambda * weights[i] + (1 - m.lambda) * weights[j])) < 1e-12);
    assert.equal(m.dominant[i], m.lambda >= 0.5 ? k : labels[j]);
  });
  // The same seed draws the same lambda and permutation.
  const again = mixBatch(original.slice(), per, labels, weights, 3, 0.4, new Rng(7));
  assert.equal(again.lambda, m.lambda);
  assert.deepEqual(again.permutation, m.permutation);
  assert.throws(() => mixBatch(x, per, labels, weights, 3, 0, new Rng(1)), /alpha must be > 0/);
});

test('Rng.beta draws Beta(a, b): mean a / (a + b), inside (0, 1)', () => {
  const rng = new Rng(3);
  for (const [a, b] of [
    [0.2, 0.2],
    [2, 5],
  ]) {
    const xs = Array.from({ length: 4000 }, () => rng.beta(a, b));
    assert.ok(xs.every((v) => v >= 0 && v <= 1));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    assert.ok(Math.abs(mean - a / (a + b)) < 0.02, `Beta(${a}, ${b}) mean ${mean}`);
  }
  // Alpha 0.2 is U-shaped: most draws near 0 or 1.
  const u = Array.from({ length: 2000 }, () => rng.beta(0.2, 0.2));
  assert.ok(u.filter((v) => v < 0.1 || v > 0.9).length > 1000);
});

function base(threads: number) {
  const { train, signals } = toneCorpus(['s1', 's2'], 2, seededRandom(11), (rng) => 0.4 + 0.6 * rng());
  return {
    train,
    signals,
    modelName: 'cnn',
    modelConfig: SMALL_CNN,
    threads,
    featureConfig: { kind: 'logmel' as const, nMels: 16, fMax: 2000 },
    epochs: 4,
    // Window: epochs 3 and 4 (floor(0.5 x 4) + 1 = 3).
    keepFrom: 0.5,
    average: true,
    // One of the two speakers validates, so the averaged model's validation figures are checked.
    valSpeakers: 1,
    batchSize: 4,
    lr: 0.01,
    seed: 5,
    augment: { copies: 1 },
  };
}

const values = (ts: tf.Tensor[]) => ts.map((t) => Float32Array.from(t.dataSync()));

async function averagesTheWindow(threads: number) {
  await tf.setBackend('cpu');
  const perEpoch = new Map<number, Float32Array[]>();
  let midWindow: TrainSnapshot | null = null;
  const dir = await mkdtemp(join(tmpdir(), 'emovox-average-'));
  try {
    const full = await trainModel({
      ...base(threads),
      onEpoch: async (s) => {
        perEpoch.set(s.epoch, values(s.modelWeights));
        if (s.epoch === 3) await saveCheckpoint(join(dir, 'ck'), 'run', s);
      },
    });
    assert.deepEqual(full.averaged, { fromEpoch: 3, toEpoch: 4, count: 2 });
    const got = values(full.model.getWeights());
    // Every weight (batch-norm moving statistics included) is the mean of epochs 3 and 4.
    got.forEach((w, i) => {
      const a = perEpoch.get(3)![i];
      const b = perEpoch.get(4)![i];
      for (let j = 0; j < w.length; j++) {
        assert.ok(Math.abs(w[j] - (a[j] + b[j]) / 2) < 1e-6, `weight ${i}[${j}]`);
      }
    });
    assert.ok(
      got.some((w, i) => w.some((v, j) => v !== perEpoch.get(4)![i][j])),
      'not simply the last epoch',
    );
    const a = full.manifest.metrics.averaged as Record<string, unknown>;
    assert.equal(a.fromEpoch, 3);
    assert.equal(typeof a.valUar, 'number', 'the averaged model is validated');
    assert.equal(full.history.length, 4);

    // Resumed from the checkpoint written mid-window (sum of 1 epoch on disk): the same average.
    midWindow = await loadCheckpoint(join(dir, 'ck'), 'run');
    assert.equal(midWindow!.averageCount, 1);
    const resumed = await trainModel({ ...base(threads), resume: midWindow! });
    assert.deepEqual(resumed.averaged, full.averaged);
    // Adam's restored state matches to float32 rounding (see trainer.test.ts), not bit for bit.
    values(resumed.model.getWeights()).forEach((w, i) =>
      w.forEach((x, j) => assert.ok(Math.abs(x - got[i][j]) < 1e-3, `resumed weight ${i}[${j}]`)),
    );
    // A checkpoint of a run without averaging is refused mid-window.
    await assert.rejects(
      trainModel({ ...base(threads), average: false, resume: midWindow! }),
      /does not average/,
    );
  } finally {
    tf.dispose([...(midWindow?.modelWeights ?? []), ...(midWindow?.averageSum ?? [])]);
    await rm(dir, { recursive: true, force: true });
  }
}

test('weight averaging returns the mean of every epoch of the window, and resumes mid-window (1 thread)', () =>
  averagesTheWindow(1));

test('weight averaging on 2 data-parallel worker threads: the mean of the window, and resumes mid-window', () =>
  averagesTheWindow(2));

test('the batch-norm pass of weight averaging: moving mean = mean of the averaged network over every inference window, variance = batch-weighted mean of batch variances; dropout off meanwhile', async () => {
  await tf.setBackend('cpu');
  const coeffs = 3;
  const win = 4;
  const input = tf.input({ shape: [win, coeffs, 1] });
  const conv = tf.layers.conv2d({
    filters: 2,
    kernelSize: 2,
    padding: 'same',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
  });
  const h = conv.apply(input) as tf.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: 0.5 }).apply(h) as tf.SymbolicTensor;
  const bn = batchNormalization({ momentum: 0.99 });
  const out = tf.layers.flatten().apply(bn.apply(dropped) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // Clips of 3 frames (one padded window), 6 frames (windows at 0 and 2) and 9 frames (0, 2, 4, 5).
  const rng = new Rng(4);
  const items = [3, 6, 9].map(
    (frames, i) =>
      ({
        labelIndex: 0,
        utterance: { path: `c${i}`, label: 'anger', speaker: 's', corpus: 'x', rawLabel: 'anger' },
        variants: [
          Float32Array.from({ length: frames * coeffs }, () => rng.uniform(-1, 3)),
          // An augmented copy, which the pass must not use.
          Float32Array.from({ length: frames * coeffs }, () => 100),
        ],
      }) as CachedUtterance,
  );
  const windows = items.flatMap((it) => {
    const d = it.variants[0];
    const frames = d.length / coeffs;
    const starts =
      frames <= win
        ? [0]
        : [...Array.from({ length: Math.ceil((frames - win) / 2) }, (_, k) => 2 * k), frames - win];
    return starts.map((s) => {
      const w = new Float32Array(win * coeffs);
      w.set(d.subarray(s * coeffs, Math.min(frames, s + win) * coeffs));
      return w;
    });
  });
  assert.equal(windows.length, 7);
  const seen = recomputeBatchNorm(model, items, coeffs, win, 2, [win, coeffs, 1], 3);
  assert.equal(seen, 7);
  // The convolution's outputs (what batch norm sees, dropout being off) per batch of 3, 3, 1 windows.
  const acts = windows.map(
    (w) =>
      (conv.apply(tf.tensor(w, [1, win, coeffs, 1])) as tf.Tensor).reshape([-1, 2]).arraySync() as number[][],
  );
  const stats = (rows: number[][]) => {
    const mean = [0, 1].map((c) => rows.reduce((a, r) => a + r[c], 0) / rows.length);
    const variance = [0, 1].map((c) => rows.reduce((a, r) => a + (r[c] - mean[c]) ** 2, 0) / rows.length);
    return { mean, variance };
  };
  const batches = [acts.slice(0, 3), acts.slice(3, 6), acts.slice(6)].map((b) => ({
    n: b.length,
    ...stats(b.flat()),
  }));
  const all = stats(acts.flat());
  const f = bn as unknown as {
    movingMean: { read(): tf.Tensor };
    movingVariance: { read(): tf.Tensor };
    momentum: number;
  };
  const movingMean = f.movingMean.read().arraySync() as number[];
  const movingVariance = f.movingVariance.read().arraySync() as number[];
  [0, 1].forEach((c) => {
    assert.ok(Math.abs(movingMean[c] - all.mean[c]) < 1e-5, `mean ${c}: ${movingMean[c]} vs ${all.mean[c]}`);
    const want = batches.reduce((a, b) => a + b.n * b.variance[c], 0) / 7;
    assert.ok(Math.abs(movingVariance[c] - want) < 1e-4, `variance ${c}: ${movingVariance[c]} vs ${want}`);
  });
  assert.equal(f.momentum, 0.99, 'the layer keeps its own momentum afterwards');
  const dropout = model.layers.find((l) => l.getClassName() === 'Dropout') as unknown as { rate: number };
  assert.equal(dropout.rate, 0.5, 'and dropout its rate');
  model.dispose();
});

test('weight averaging recomputes batch-norm statistics when asked (recomputeBatchNorm): the other weights are the same mean, the statistics differ', async () => {
  await tf.setBackend('cpu');
  const plain = await trainModel({ ...base(1), valSpeakers: 0 });
  assert.equal(plain.averaged?.batchNormWindows, undefined, 'off by default');
  assert.match(
    (plain.manifest.metrics.averaged as { note: string }).note,
    /moving statistics averaged like the weights/,
  );
  const pass = await trainModel({ ...base(1), valSpeakers: 0, recomputeBatchNorm: true });
  assert.ok((pass.averaged?.batchNormWindows ?? 0) > 0);
  assert.match(
    (pass.manifest.metrics.averaged as { note: string }).note,
    /recomputed by the averaged network over \d+ training windows/,
  );
  const names = pass.model.weights.map((w) => w.originalName);
  const a = values(plain.model.getWeights());
  const b = values(pass.model.getWeights());
  let moving = 0;
  names.forEach((name, i) => {
    const same = a[i].every((v, j) => v === b[i][j]);
    if (/moving_(mean|variance)/.test(name)) {
      moving++;
      assert.ok(!same, `${name} recomputed`);
    } else assert.ok(same, `${name} unchanged`);
  });
  assert.ok(moving >= 2, 'the model has batch norms');
  plain.model.dispose();
  pass.model.dispose();
});
