import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalKey,
  drawFromRange,
  nestParams,
  parseSpace,
  planTrials,
  TuneError,
} from '../../../src/node/train/tune/space.js';

test('grid search runs the full product of the lists, last key fastest', () => {
  const space = parseSpace(
    { lr: [0.001, 0.003], 'modelConfig.dropout': [0, 0.2, 0.4], 'augment.copies': [0, 2] },
    'cnn2d-lstm',
  );
  const trials = planTrials(space, 'cnn2d-lstm', 'grid');
  assert.equal(trials.length, 12);
  assert.deepEqual(trials[0], { lr: 0.001, 'modelConfig.dropout': 0, 'augment.copies': 0 });
  assert.deepEqual(trials[1], { lr: 0.001, 'modelConfig.dropout': 0, 'augment.copies': 2 });
  assert.equal(new Set(trials.map(canonicalKey)).size, 12);
});

test('a grid above 500 trials is refused without --trials; with it, a seeded sample of distinct points', () => {
  const big = {
    c: Array.from({ length: 30 }, (_, i) => 0.001 * (i + 1)),
    trees: Array.from({ length: 20 }, (_, i) => i + 1),
  };
  const space = parseSpace(big, 'rf');
  assert.throws(() => planTrials(space, 'rf', 'grid'), /600 trials \(more than 500\); pass --trials N/);
  const a = planTrials(space, 'rf', 'grid', { trials: 25, seed: 3 });
  assert.equal(a.length, 25);
  assert.equal(new Set(a.map(canonicalKey)).size, 25);
  assert.deepEqual(planTrials(space, 'rf', 'grid', { trials: 25, seed: 3 }), a);
});

test('random search: the same seed gives the same draws, a longer run extends a shorter one, ranges are respected', () => {
  const json = {
    lr: { min: 1e-4, max: 1e-2, log: true },
    'modelConfig.lstmUnits': { min: 8, max: 64, int: true },
    'featureConfig.kind': ['mfcc', 'logmel'],
  };
  const space = parseSpace(json, 'cnn2d-lstm');
  const a = planTrials(space, 'cnn2d-lstm', 'random', { trials: 8, seed: 7 });
  assert.deepEqual(planTrials(space, 'cnn2d-lstm', 'random', { trials: 8, seed: 7 }), a);
  assert.deepEqual(planTrials(space, 'cnn2d-lstm', 'random', { trials: 12, seed: 7 }).slice(0, 8), a);
  assert.notDeepEqual(planTrials(space, 'cnn2d-lstm', 'random', { trials: 8, seed: 8 }), a);
  for (const p of a) {
    assert.ok((p.lr as number) >= 1e-4 && (p.lr as number) <= 1e-2);
    assert.ok(Number.isInteger(p['modelConfig.lstmUnits']));
    assert.ok(['mfcc', 'logmel'].includes(p['featureConfig.kind'] as string));
  }
  // Log-uniform: the geometric midpoint at u = 0.5.
  assert.equal(drawFromRange({ min: 1e-4, max: 1e-2, log: true, int: false }, 0.5), 0.001);
  assert.throws(() => planTrials(space, 'cnn2d-lstm', 'random'), /--search random needs --trials N/);
});

test('random search over a small finite space stops at its distinct points', () => {
  const space = parseSpace({ c: [0.01, 0.1], speakerNorm: [true, false] }, 'svm-linear');
  assert.equal(planTrials(space, 'svm-linear', 'random', { trials: 10 }).length, 4);
});

test('ranges are refused by grid search', () => {
  const space = parseSpace({ lr: { min: 0.001, max: 0.01 } }, 'cnn');
  assert.throws(() => planTrials(space, 'cnn', 'grid'), /'lr' is a range; ranges need --search random/);
});

test('bad space files: each error names the key and what is accepted', () => {
  const bad = (json: unknown, model: string, re: RegExp) =>
    assert.throws(
      () => parseSpace(json, model),
      (e: unknown) => e instanceof TuneError && re.test(e.message),
    );
  bad([1, 2], 'cnn', /must be a JSON object of parameter -> candidates/);
  bad({}, 'cnn', /no parameters \(accepted keys: .*lr/);
  bad(
    { learningRate: [0.1] },
    'cnn',
    /unknown key 'learningRate' for model cnn \(accepted keys: .*lr.*modelConfig\.dropout/,
  );
  bad({ seed: [1, 2] }, 'cnn', /'seed' is fixed by tune/);
  bad({ 'modelConfig.dropout': [0.2, 2] }, 'cnn2d-lstm', /'modelConfig.dropout' candidate 2: Too big/i);
  bad(
    { 'featureConfig.kind': ['mfcc', 'spectrogram'] },
    'cnn',
    /'featureConfig.kind' candidate "spectrogram": .*"mfcc"\|"logmel"/,
  );
  bad({ lr: [] }, 'cnn', /'lr' has an empty list of candidates/);
  bad(
    { lr: { min: 0.1, max: 0.01 } },
    'cnn',
    /'lr' must be a list of candidates or a range .*min must not exceed max/,
  );
  bad({ lr: { min: 0, max: 0.01, log: true } }, 'cnn', /a log range needs min > 0/);
  bad({ lr: { low: 0.1 } }, 'cnn', /'lr' must be a list of candidates or a range/);
  bad({ lr: 0.001 }, 'cnn', /'lr' must be a list of candidates or a range/);
  bad({ c: [0.1, -1] }, 'svm-linear', /'c' candidate -1: .*accepted: SVM penalty C, a positive number/);
  bad(
    { c: [0.1] },
    'mlp',
    /unknown key 'c' for model mlp \(accepted keys: pca, weightDecay, speakerNorm, descriptors\)/,
  );
  bad({ weightDecay: [1] }, 'logistic', /unknown key 'weightDecay' for model logistic/);
  assert.equal(parseSpace({ weightDecay: [0.3, 3] }, 'mlp').dimensions.length, 1);
  bad(
    { lr: [0.001] },
    'svm',
    /unknown key 'lr' for model svm \(accepted keys: c, gamma, pca, trees, speakerNorm, descriptors\)/,
  );
  // A combination that is invalid only as a whole is caught before anything runs.
  const space = parseSpace(
    { 'featureConfig.winLength': [400, 1024], 'featureConfig.nFft': [512, 1024] },
    'cnn',
  );
  assert.throws(() => planTrials(space, 'cnn', 'grid'), /winLength \(1024\) must not exceed nFft \(512\)/);
});

test('canonical keys ignore key order; dotted keys nest into trainer options', () => {
  assert.equal(canonicalKey({ b: 1, a: [2, 3] }), canonicalKey({ a: [2, 3], b: 1 }));
  assert.notEqual(canonicalKey({ a: 1 }), canonicalKey({ a: 2 }));
  assert.deepEqual(
    nestParams({ lr: 0.01, 'modelConfig.dropout': 0.3, 'modelConfig.filters': [8, 16] }, { epochs: 5 }),
    {
      epochs: 5,
      lr: 0.01,
      modelConfig: { dropout: 0.3, filters: [8, 16] },
    },
  );
});
