import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../../src/core/classical/matrix.js';
import { seededRng } from '../../../src/core/random.js';
import {
  evaluateClassical,
  evaluationJson,
  type EvalItem,
} from '../../../src/node/train/evaluate/evaluate.js';
import { gaussian } from '../classical/synthetic.js';

/** 4 speakers x 3 emotions x 8 clips; each speaker adds its own offset to every feature. */
function corpus(): { x: Matrix; items: EvalItem[] } {
  const rng = seededRng(2);
  const labels = ['anger', 'sadness', 'neutral'];
  const items: EvalItem[] = [];
  const rows: number[][] = [];
  for (let s = 0; s < 4; s++) {
    for (const [li, label] of labels.entries()) {
      for (let k = 0; k < 8; k++) {
        items.push({ path: `s${s}-${label}-${k}.wav`, speaker: `s${s}`, label });
        rows.push(Array.from({ length: 6 }, (_, j) => (j === li ? 2.5 : 0) + 3 * s + gaussian(rng)));
      }
    }
  }
  const x: Matrix = { data: Float64Array.from(rows.flat()), rows: rows.length, cols: 6 };
  return { x, items };
}

test('LOSO pools one prediction per utterance; per-speaker normalisation removes a speaker offset', () => {
  const { x, items } = corpus();
  const plain = evaluateClassical(x, items, { model: 'svm-linear', protocol: 'loso', corpus: 'synthetic' });
  const norm = evaluateClassical(x, items, {
    model: 'svm-linear',
    protocol: 'loso',
    corpus: 'synthetic',
    speakerNorm: true,
  });
  assert.equal(plain.predictions.length, items.length);
  assert.equal(plain.folds.length, 4);
  assert.deepEqual(plain.confusion.labels, ['neutral', 'sadness', 'anger']);
  assert.ok(norm.uar > 0.85, `UAR with speaker norm ${norm.uar}`);
  assert.ok(norm.uar >= plain.uar);
  assert.equal(norm.perSpeaker.length, 4);
  const j = evaluationJson(norm);
  assert.deepEqual(Object.keys(j).slice(0, 8), [
    'protocol',
    'corpus',
    'model',
    'uar',
    'wa',
    'macroF1',
    'confusion',
    'folds',
  ]);
});

test('tuning picks a setting per fold from the training speakers and reports its inner UAR', () => {
  const { x, items } = corpus();
  const e = evaluateClassical(x, items, {
    model: 'svm-linear',
    protocol: 'loso',
    corpus: 'synthetic',
    tune: true,
    speakerNorm: true,
  });
  for (const f of e.folds) {
    assert.ok(typeof f.params.chosen === 'string' && (f.params.chosen as string).startsWith('C='));
    assert.ok(f.innerUar !== null && f.innerUar > 0.5);
  }
});

test('kfold is marked speaker-dependent in the result', () => {
  const { x, items } = corpus();
  const e = evaluateClassical(x, items, {
    model: 'rf',
    protocol: 'kfold',
    corpus: 'synthetic',
    foldOptions: { k: 4 },
    config: { rf: { nTrees: 20 } },
  });
  assert.equal(e.config.speakerIndependent, false);
  assert.equal(e.predictions.length, items.length);
});

test('--profile-clips: the test speaker is normalised with a few of their clips; all of them gives the full per-speaker result', () => {
  const { x, items } = corpus();
  const o = { model: 'svm-linear', protocol: 'loso', corpus: 'synthetic', speakerNorm: true } as const;
  const full = evaluateClassical(x, items, o);
  const allClips = evaluateClassical(x, items, { ...o, profileClips: 24 });
  const twoClips = evaluateClassical(x, items, { ...o, profileClips: 2 });
  assert.deepEqual(
    allClips.predictions.map((p) => p.probabilities),
    full.predictions.map((p) => p.probabilities),
  );
  assert.equal(twoClips.config.profileClips, 2);
  assert.ok(twoClips.uar < full.uar, `2-clip profile UAR ${twoClips.uar} vs all clips ${full.uar}`);
});
