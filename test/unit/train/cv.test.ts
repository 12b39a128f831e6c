import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoSpeakerLeak,
  innerValidationSpeakers,
  LeakError,
  makeFolds,
  type FoldItem,
} from '../../../src/node/train/evaluate/cv.js';

function corpus(speakers = 5, perLabel = 4, labels = ['anger', 'sadness', 'neutral']): FoldItem[] {
  const out: FoldItem[] = [];
  for (let s = 0; s < speakers; s++)
    for (const l of labels) for (let i = 0; i < perLabel; i++) out.push({ speaker: `s${s}`, label: l });
  return out;
}

test('loso gives one fold per speaker, speaker-disjoint, covering every utterance once as test', () => {
  const items = corpus();
  const plan = makeFolds(items, 'loso');
  assert.equal(plan.folds.length, 5);
  assert.equal(plan.speakerIndependent, true);
  const seen = new Array(items.length).fill(0);
  for (const f of plan.folds) {
    assertNoSpeakerLeak(f, items);
    assert.equal(f.train.length + f.test.length, items.length);
    for (const i of f.test) {
      seen[i]++;
      assert.equal(items[i].speaker, f.testSpeakers[0]);
    }
  }
  assert.ok(seen.every((n) => n === 1));
});

test('kfold is stratified, seeded, and labelled speaker-dependent', () => {
  const items = corpus(5, 4);
  const plan = makeFolds(items, 'kfold', { k: 4, seed: 3 });
  assert.equal(plan.speakerIndependent, false);
  assert.match(plan.description, /SPEAKER-DEPENDENT/);
  for (const f of plan.folds) {
    // 20 per label over 4 folds -> 5 of each label per test fold
    for (const l of ['anger', 'sadness', 'neutral'])
      assert.equal(f.test.filter((i) => items[i].label === l).length, 5);
  }
  assert.deepEqual(makeFolds(items, 'kfold', { k: 4, seed: 3 }).folds, plan.folds);
  assert.notDeepEqual(makeFolds(items, 'kfold', { k: 4, seed: 4 }).folds[0].test, plan.folds[0].test);
  // kfold shares speakers between train and test, which the leak check catches.
  assert.throws(() => assertNoSpeakerLeak(plan.folds[0], items), LeakError);
});

test('holdout is speaker-disjoint and holds out the requested share of speakers', () => {
  const items = corpus(10);
  const [fold] = makeFolds(items, 'holdout', { testFraction: 0.2, seed: 2 }).folds;
  assert.equal(fold.testSpeakers.length, 2);
  assertNoSpeakerLeak(fold, items);
});

test('a leaked test speaker is caught', () => {
  const items = corpus(3);
  const fold = { name: 'bad', testSpeakers: ['s0'], train: [0, 20], test: [1] };
  assert.throws(() => assertNoSpeakerLeak(fold, items), /test speaker\(s\) s0 also appear in training/);
});

test('innerValidationSpeakers picks n of the training speakers only, deterministically', () => {
  const train = ['03', '08', '09', '10', '11', '12', '13', '14', '15'];
  const v = innerValidationSpeakers(train, 2, 7);
  assert.equal(v.length, 2);
  for (const s of v) assert.ok(train.includes(s));
  assert.deepEqual(innerValidationSpeakers(train, 2, 7), v);
  assert.throws(() => innerValidationSpeakers(['a'], 1), /inner validation needs/);
});
