import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/node/backend.js';
import type { Utterance } from '../../src/node/datasets/types.js';
import { evaluateLocoDeep, locoDeepFolds } from '../../src/node/train/evaluate/loco-deep.js';
import { seededRng } from '../../src/core/random.js';
import { tiny } from '../helpers/tiny-deep.js';

const LABELS = ['neutral', 'sadness', 'anger'] as const;

/** Three synthetic corpora (a louder/higher recording chain each), 3 speakers, 2 clips per label. */
function corpora(): { items: Utterance[]; signals: Map<string, Float32Array> } {
  const items: Utterance[] = [];
  const signals = new Map<string, Float32Array>();
  ['alpha', 'beta', 'gamma'].forEach((corpus, c) => {
    for (let s = 0; s < 3; s++) {
      for (const label of LABELS) {
        for (let k = 0; k < 2; k++) {
          const rng = seededRng(c * 1000 + s * 100 + k + 1);
          const x = new Float32Array(16000 * 0.6);
          const f0 = { anger: 260, sadness: 110, neutral: 170 }[label] * (1 + 0.05 * s + 0.1 * c);
          const amp = { anger: 0.6, sadness: 0.1, neutral: 0.3 }[label] * (1 + 0.5 * c);
          for (let i = 0; i < x.length; i++)
            x[i] = amp * Math.sin((2 * Math.PI * f0 * i) / 16000) * 0.3 + 0.01 * (rng() - 0.5);
          const path = `/synthetic/${corpus}/s${s}-${label}-${k}.wav`;
          // Speakers carry their corpus, as readCorpora prefixes them when merging corpora.
          items.push({ path, label, speaker: `${corpus}:s${s}`, corpus, rawLabel: label });
          signals.set(path, x);
        }
      }
    }
  });
  return { items, signals };
}

test('LOCO folds: the held-out corpus gives no training or validation clip; validation speakers come from every training corpus', () => {
  const { items } = corpora();
  const folds = locoDeepFolds(items, [...LABELS], 1, 1);
  assert.deepEqual(
    folds.map((f) => f.name),
    ['alpha', 'beta', 'gamma'],
  );
  for (const f of folds) {
    const corpusOf = (i: number) => items[i].corpus;
    assert.ok(f.test.every((i) => corpusOf(i) === f.name));
    assert.equal(f.test.length, 18, 'the whole held-out corpus is tested');
    assert.ok([...f.train, ...f.val!].every((i) => corpusOf(i) !== f.name));
    assert.equal(f.train.length + f.val!.length, 36);
    // One validation speaker of each training corpus, none of whom trains.
    const valSpeakers = new Set(f.val!.map((i) => items[i].speaker));
    assert.equal(valSpeakers.size, 2);
    assert.deepEqual(
      [...new Set(f.val!.map(corpusOf))].sort(),
      ['alpha', 'beta', 'gamma'].filter((c) => c !== f.name),
    );
    assert.ok(f.train.every((i) => !valSpeakers.has(items[i].speaker)));
  }
  assert.throws(() => locoDeepFolds(items, [...LABELS], 3, 1), /has 3 speakers; holding out 3/);
});

test('a network under LOCO: a row per held-out corpus and condition, scored on that corpus only, calibrated on training-corpus speakers', async () => {
  await initBackend('cpu');
  const { items, signals } = corpora();
  const e = await evaluateLocoDeep(items, signals, [...LABELS], {
    model: 'cnn',
    channel: 'studio,telephone',
    seed: 3,
    train: { ...tiny.train, epochs: 1 },
    valSpeakersPerCorpus: 1,
    calibrate: true,
    keepPredictions: true,
  });
  assert.equal(e.protocol, 'loco');
  assert.deepEqual(e.corpora, ['alpha', 'beta', 'gamma']);
  assert.deepEqual(Object.keys(e.meanUar), ['studio', 'telephone']);
  for (const r of e.results) {
    assert.ok(!r.trainCorpora.includes(r.heldOut));
    assert.equal(r.trainCorpora.length, 2);
    assert.equal(r.nTrain, 36 - r.nVal);
    assert.ok(
      r.valSpeakers.every((s) => !s.startsWith(`${r.heldOut}:`)),
      'no held-out validation speaker',
    );
    assert.equal(r.history.length, 1);
    // The default recipe returns an average of weights, and the row says so (no epoch was chosen).
    assert.equal(r.chosen, 'weights averaged over epochs 1-1 of 1');
    assert.deepEqual(
      r.conditions.map((c) => c.condition),
      ['studio', 'telephone'],
    );
    assert.ok(r.temperature! > 0);
    assert.ok(r.paths!.every((p) => p.includes(`/${r.heldOut}/`)));
    assert.equal(r.paths!.length, 18);
    for (const c of r.conditions) {
      assert.equal(c.n, 18);
      assert.equal(
        c.confusion.matrix.flat().reduce((a, b) => a + b, 0),
        18,
      );
      assert.ok(c.uar >= 0 && c.uar <= 1 && c.ece >= 0);
      assert.equal(c.probabilities!.length, 18);
      for (const p of c.probabilities!) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    }
    // The telephone line changes the audio, so the network sees other inputs.
    assert.notDeepEqual(r.conditions[0].probabilities, r.conditions[1].probabilities);
  }
  assert.doesNotMatch(String(e.config.calibration), /early stopping/);
  const mean = e.results.reduce((a, r) => a + r.conditions[0].uar, 0) / 3;
  assert.ok(Math.abs(e.meanUar.studio - mean) < 1e-12);
});

test('a network under LOCO with per-utterance normalisation and corpus weights: trained, recorded and tested that way', async () => {
  await initBackend('cpu');
  const { items, signals } = corpora();
  const e = await evaluateLocoDeep(items, signals, [...LABELS], {
    model: 'cnn',
    channel: 'studio',
    seed: 3,
    train: { ...tiny.train, epochs: 1, utteranceNorm: 'meanStd', corpusWeights: true },
    valSpeakersPerCorpus: 1,
  });
  assert.equal(e.results.length, 3);
  assert.equal(e.config.utteranceNorm, 'meanStd');
  assert.equal(e.config.corpusWeights, true);
  for (const r of e.results) assert.ok(r.conditions[0].uar >= 0 && r.conditions[0].uar <= 1);
});
