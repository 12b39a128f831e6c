import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/node/backend.js';
import type { Utterance } from '../../src/node/datasets/types.js';
import { evaluateDeep, type DeepEvalOptions } from '../../src/node/train/evaluate-deep.js';
import { seededRng } from '../../src/core/classical/random.js';

/** Tones whose pitch and loudness carry the label; each speaker is louder and higher than the last. */
function corpus(): { items: Utterance[]; signals: Map<string, Float32Array> } {
  const items: Utterance[] = [];
  const signals = new Map<string, Float32Array>();
  for (let s = 0; s < 3; s++) {
    for (const label of ['anger', 'sadness', 'neutral'] as const) {
      for (let k = 0; k < 2; k++) {
        const rng = seededRng(s * 100 + k + 1);
        const x = new Float32Array(16000 * 0.6);
        const f0 = { anger: 260, sadness: 110, neutral: 170 }[label] * (1 + 0.05 * s);
        const amp = { anger: 0.6, sadness: 0.1, neutral: 0.3 }[label] * (1 + s);
        for (let i = 0; i < x.length; i++)
          x[i] = amp * Math.sin((2 * Math.PI * f0 * i) / 16000) * 0.3 + 0.01 * (rng() - 0.5);
        const path = `/synthetic/s${s}-${label}-${k}.wav`;
        items.push({ path, label, speaker: `s${s}`, corpus: 'synthetic', rawLabel: label });
        signals.set(path, x);
      }
    }
  }
  return { items, signals };
}

const tiny: DeepEvalOptions = {
  model: 'cnn',
  protocol: 'loso',
  corpus: 'synthetic',
  train: {
    epochs: 1,
    batchSize: 8,
    lr: 0.01,
    patience: 0,
    featureConfig: { kind: 'logmel', nMels: 16 },
    modelConfig: {
      filters: [4, 8],
      kernelSizes: [3, 3],
      poolsFreqTime: [
        [2, 2],
        [2, 2],
      ],
      denseUnits: 0,
      inputSeconds: 0.5,
    },
    augment: { copies: 0 },
  },
};

test('folds run in 2 worker threads give exactly the pooled predictions of one thread', async () => {
  await initBackend('cpu');
  const { items, signals } = corpus();
  const serial = await evaluateDeep(items, signals, tiny);
  const order: number[] = [];
  const parallel = await evaluateDeep(items, signals, { ...tiny, jobs: 2, onFold: (_, i) => order.push(i) });
  assert.equal(parallel.predictions.length, items.length);
  assert.deepEqual(
    parallel.predictions.map((p) => [p.path, p.fold, p.predicted, p.probabilities]),
    serial.predictions.map((p) => [p.path, p.fold, p.predicted, p.probabilities]),
  );
  assert.deepEqual(
    parallel.folds.map((f) => f.name),
    serial.folds.map((f) => f.name),
  );
  assert.deepEqual([...order].sort(), [0, 1, 2]);
});

test('a worker error reaches the caller with its message and code', async () => {
  await initBackend('cpu');
  const { items, signals } = corpus();
  await assert.rejects(
    evaluateDeep(items, signals, { ...tiny, jobs: 2, train: { ...tiny.train, lr: -1 } }),
    (e: Error & { code?: string }) => e.code === 'BAD_TRAINING' && /lr/.test(e.message),
  );
});
