import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/node/backend.js';
import type { Utterance } from '../../src/node/datasets/types.js';
import { evaluateDeep } from '../../src/node/train/evaluate/deep.js';
import { seededRng } from '../../src/core/random.js';
import { tiny } from '../helpers/tiny-deep.js';

/** A loud bright high tone, a quiet dull low one and a middle one, per speaker (pitch offset). */
function clip(label: 'anger' | 'sadness' | 'neutral', speaker: number, k: number): Float32Array {
  const rng = seededRng(speaker * 100 + k + 1);
  const sr = 16000;
  const x = new Float32Array(sr * 0.6);
  const f0 = { anger: 260, sadness: 110, neutral: 170 }[label] * (1 + 0.05 * speaker);
  const amp = { anger: 0.6, sadness: 0.1, neutral: 0.3 }[label];
  for (let i = 0; i < x.length; i++) {
    const t = i / sr;
    x[i] = amp * Math.sin(2 * Math.PI * f0 * t) + 0.01 * (rng() - 0.5);
  }
  return x;
}

test('deep models go through the same LOSO folds: pooled predictions, per-fold curves, no test speaker in training', async () => {
  await initBackend('cpu');
  const items: Utterance[] = [];
  const signals = new Map<string, Float32Array>();
  for (let s = 0; s < 3; s++) {
    for (const label of ['anger', 'sadness', 'neutral'] as const) {
      for (let k = 0; k < 3; k++) {
        const path = `/synthetic/s${s}-${label}-${k}.wav`;
        items.push({ path, label, speaker: `s${s}`, corpus: 'synthetic', rawLabel: label });
        signals.set(path, clip(label, s, k));
      }
    }
  }
  const seenTrainSpeakers: string[][] = [];
  const e = await evaluateDeep(items, signals, {
    model: 'cnn',
    protocol: 'loso',
    corpus: 'synthetic',
    train: { ...tiny.train, epochs: 2, valSpeakers: 1 },
    onFold: (f) => seenTrainSpeakers.push(f.params.valSpeakers as string[]),
  });
  assert.equal(e.predictions.length, items.length);
  assert.equal(e.folds.length, 3);
  e.folds.forEach((f, i) => {
    assert.equal(f.history.length, 2, 'one history entry per epoch');
    // Early-stopping speakers come from the training speakers, never the test speaker.
    for (const v of seenTrainSpeakers[i]) assert.notEqual(v, f.testSpeakers[0]);
  });
  assert.deepEqual(e.confusion.labels, ['neutral', 'sadness', 'anger']);
  assert.equal(
    e.confusion.matrix.flat().reduce((a, b) => a + b, 0),
    items.length,
  );
});
