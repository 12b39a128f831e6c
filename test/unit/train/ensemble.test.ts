import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  summarise,
  type ItemPrediction,
  type ModelEvaluation,
} from '../../../src/node/train/evaluate/evaluate.js';
import {
  EnsembleError,
  ensembleEvaluation,
  parseWeights,
} from '../../../src/node/train/evaluate/ensemble.js';
import {
  comparisonMarkdown,
  comparisonRows,
  comparisonText,
  comparisonTitle,
} from '../../../src/node/train/evaluate/comparison.js';

/** A fake evaluation of four utterances in two folds, probabilities in the given label order. */
function model(name: string, labels: string[], probs: Record<string, number>[]): ModelEvaluation {
  const truth = ['anger', 'anger', 'sadness', 'sadness'];
  const predictions: ItemPrediction[] = probs.map((p, i) => {
    const v = labels.map((l) => p[l]);
    return {
      path: `/c/${i}.wav`,
      speaker: i < 2 ? 'a' : 'b',
      label: truth[i],
      predicted: labels[v.indexOf(Math.max(...v))],
      fold: i % 2 === 0 ? 'speaker a' : 'speaker b',
      probabilities: v,
    };
  });
  const folds = ['speaker a', 'speaker b'].map((f) => ({
    name: f,
    testSpeakers: [f.slice(-1)],
    nTrain: 2,
    nTest: 2,
    wa: 0,
    params: {},
    innerUar: null,
    history: [],
    seconds: 1,
  }));
  return {
    model: name,
    protocol: 'loso',
    corpus: 'c',
    speakerNorm: false,
    tuned: false,
    ...summarise(predictions, labels),
    folds,
    predictions,
    seconds: 2,
    config: {},
  };
}

const A = model(
  'svm',
  ['sadness', 'anger'],
  [
    { anger: 0.6, sadness: 0.4 },
    { anger: 0.3, sadness: 0.7 },
    { anger: 0.2, sadness: 0.8 },
    { anger: 0.55, sadness: 0.45 },
  ],
);
const B = model(
  'cnn',
  ['anger', 'sadness'],
  [
    { anger: 0.9, sadness: 0.1 },
    { anger: 0.9, sadness: 0.1 },
    { anger: 0.6, sadness: 0.4 },
    { anger: 0.1, sadness: 0.9 },
  ],
);

test('an ensemble averages per-utterance probabilities matched by label name, not position', () => {
  const e = ensembleEvaluation([A, B]);
  assert.equal(e.model, 'svm+cnn');
  assert.equal(A.wa, 0.5);
  assert.equal(B.wa, 0.75);
  // Utterance 1: anger (0.3 + 0.9) / 2 = 0.6 > sadness 0.4; utterance 2: sadness (0.8 + 0.4) / 2.
  assert.deepEqual(
    e.predictions.map((p) => p.predicted),
    ['anger', 'anger', 'sadness', 'sadness'],
  );
  assert.deepEqual(e.predictions[1].probabilities, [0.4, 0.6]); // in A's label order: sadness, anger
  assert.equal(e.wa, 1);
  assert.deepEqual(
    e.folds.map((f) => [f.name, f.nTest, f.wa]),
    [
      ['speaker a', 2, 1],
      ['speaker b', 2, 1],
    ],
  );
  assert.equal(e.seconds, 4);
});

test('fixed weights change the vote; bad weights and mismatched members are refused', () => {
  const heavyA = ensembleEvaluation([A, B], [0.9, 0.1]);
  assert.equal(heavyA.predictions[1].predicted, 'sadness'); // 0.9*0.3 + 0.1*0.9 = 0.36 anger
  assert.throws(() => parseWeights('0.6,-1'), EnsembleError);
  assert.deepEqual(parseWeights('0.6, 0.4'), [0.6, 0.4]);
  assert.throws(() => ensembleEvaluation([A, B], [1]), /2 members but 1 weights/);
  const otherFolds = {
    ...B,
    predictions: B.predictions.map((p) => ({ ...p, fold: 'speaker a' })),
  };
  assert.throws(() => ensembleEvaluation([A, otherFolds]), /not the same folds/);
  const noItems = { ...B, predictions: [] };
  assert.throws(() => ensembleEvaluation([A, noItems]), /no per-utterance predictions/);
  const otherLabels = { ...B, confusion: { ...B.confusion, labels: ['anger', 'fear'] } };
  assert.throws(() => ensembleEvaluation([A, otherLabels]), /predicts anger, fear/);
});

test('the comparison table names its protocol; k-fold is labelled speaker-dependent', () => {
  const rows = comparisonRows([A, B, ensembleEvaluation([A, B], [0.6, 0.4])]);
  const loso = comparisonTitle('emodb', 'loso', 10);
  assert.match(loso, /leave-one-speaker-out/);
  assert.equal(
    comparisonTitle('emodb', 'kfold', 10),
    'emodb: speaker-DEPENDENT 10-fold (not comparable to LOSO)',
  );
  const md = comparisonMarkdown(loso, rows).split('\n');
  assert.equal(md[0], `### ${loso}`);
  assert.equal(md[2], '| model | protocol | UAR % | WA % | macro-F1 % | seconds | notes |');
  assert.equal(md[4], '| svm | loso | 50.0 | 50.0 | 50.0 | 2 |  |');
  assert.match(
    md[6],
    /^\| svm\+cnn \| loso \| 100\.0 \| 100\.0 \| 100\.0 \| 4 \| mean of probabilities, weights 0\.6\/0\.4 \|$/,
  );
  const text = comparisonText(loso, rows).split('\n');
  assert.equal(text.length, 5);
  assert.match(text[3], /^cnn\s+loso\s+75\.0\s+75\.0\s+73\.3\s+2$/);
});
