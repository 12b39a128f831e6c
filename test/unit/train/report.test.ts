import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptEpoch } from '../../../src/node/train/options.js';
import {
  curveSvg,
  meanHistory,
  renderReport,
  type EvaluationRun,
} from '../../../src/node/train/report/report.js';
import {
  summarise,
  type ItemPrediction,
  type ModelEvaluation,
} from '../../../src/node/train/evaluate/evaluate.js';

function evaluation(withHistory: boolean): ModelEvaluation {
  const labels = ['anger', 'sadness', 'neutral'];
  const predictions: ItemPrediction[] = [];
  ['03', '08'].forEach((speaker) =>
    labels.forEach((label, i) =>
      predictions.push({
        path: `${speaker}-${label}.wav`,
        speaker,
        label,
        predicted: labels[(i + (speaker === '08' ? 1 : 0)) % 3],
        fold: `speaker ${speaker}`,
        probabilities: [0.5, 0.3, 0.2],
      }),
    ),
  );
  const history = [1, 2, 3].map((epoch) => ({
    epoch,
    loss: 1 / epoch,
    acc: 0.3 * epoch,
    valLoss: 1.2 / epoch,
    valAcc: 0.25 * epoch,
    valUar: 0.25 * epoch,
    lr: 1e-3,
  }));
  return {
    model: 'cnn2d-lstm <test>',
    protocol: 'loso',
    corpus: 'emodb',
    speakerNorm: true,
    tuned: false,
    ...summarise(predictions, labels),
    folds: ['03', '08'].map((s) => ({
      name: `speaker ${s}`,
      testSpeakers: [s],
      nTrain: 3,
      nTest: 3,
      wa: 0.5,
      params: {},
      innerUar: null,
      history: withHistory ? history : [],
      seconds: 1,
    })),
    predictions,
    seconds: 2,
    config: { C: 10 },
  };
}

function run(models: ModelEvaluation[]): EvaluationRun {
  return {
    command: 'emovox evaluate --corpus emodb --data ../shared/datasets/emodb --model svm',
    corpus: 'emodb',
    data: '../shared/datasets/emodb',
    protocol: 'loso',
    protocolDescription: 'leave-one-speaker-out',
    speakerIndependent: true,
    speakerNorm: true,
    tuned: false,
    createdAt: '2026-01-01T00:00:00Z',
    settings: { seed: 1 },
    models,
  };
}

test('the report is one self-contained HTML file with the figures, tables, command and config', () => {
  const html = renderReport(run([evaluation(true)]));
  assert.match(html, /^<!doctype html>/);
  // Nothing is fetched: no URLs, scripts, stylesheets or images from outside.
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|src=|@import|url\(/i);
  // Confusion heatmap: one cell per (true, predicted) pair.
  assert.equal(html.match(/class="cell"/g)?.length, 9);
  // Per-class bars: precision, recall and F1 for 3 classes.
  assert.equal(html.match(/class="bar"/g)?.length, 9);
  // Training curves: accuracy and loss of the mean over folds, and for each of the 2 folds.
  assert.equal(html.match(/class="curve"/g)?.length, 6);
  assert.match(html, /Training curves, mean over folds/);
  // The kept (lowest validation loss) epoch is marked on each fold's two curves.
  assert.equal(html.match(/class="best"/g)?.length, 4);
  assert.match(html, /speaker 03 \(kept epoch 3\)/);
  assert.match(html, /<td>08<\/td><td>3<\/td>/); // per-speaker row
  assert.match(html, /emovox evaluate --corpus emodb --data \.\.\/shared\/datasets\/emodb --model svm/);
  assert.match(html, /&quot;C&quot;: 10/);
  assert.match(html, /cnn2d-lstm &lt;test&gt;/); // escaped
  assert.match(html, /UAR <b>50\.0 %<\/b>/);
  assert.match(html, /<h2>Comparison: emodb: leave-one-speaker-out \(LOSO\)/);
});

test('a speaker-dependent k-fold report says so in the comparison title', () => {
  const html = renderReport({ ...run([evaluation(false)]), protocol: 'kfold', speakerIndependent: false });
  assert.match(html, /speaker-DEPENDENT 2-fold \(not comparable to LOSO\)/);
});

test('without training history the report says so instead of drawing empty curves', () => {
  const html = renderReport(run([evaluation(false)]));
  assert.equal(html.match(/class="curve"/g), null);
  assert.match(html, /not trained by epochs/);
});

test('the mean curve averages each epoch over the folds that trained that far', () => {
  const h = (epoch: number, acc: number, valLoss: number | null) => ({
    epoch,
    loss: 1,
    acc,
    valLoss,
    valAcc: null,
    valUar: null,
    lr: 1e-3,
  });
  // Fold A stopped early after 2 epochs; fold B trained 3.
  const mean = meanHistory([
    [h(1, 0.2, 1.0), h(2, 0.4, 0.8)],
    [h(1, 0.4, 1.2), h(2, 0.6, 0.6), h(3, 0.9, 0.7)],
  ]);
  assert.deepEqual(
    mean.map((m) => m.folds),
    [2, 2, 1],
  );
  assert.ok(Math.abs(mean[0].entry.acc - 0.3) < 1e-12);
  assert.ok(Math.abs(mean[1].entry.valLoss! - 0.7) < 1e-12);
  assert.equal(mean[2].entry.acc, 0.9);
  assert.equal(mean[0].entry.valAcc, null);
  const uar = (epoch: number, valUar: number, valLoss: number) => ({ ...h(epoch, 0, valLoss), valUar });
  const hist = [uar(1, 0.3, 1.2), uar(2, 0.4, 0.6), uar(3, 0.5, 0.7), uar(4, 0.5, 0.9)];
  assert.equal(keptEpoch(hist, 'loss'), 2);
  assert.equal(keptEpoch(hist, 'uar'), 3);
  assert.equal(keptEpoch([h(1, 0, null)], 'uar'), null);
});

test('curves of a run without validation speakers say so: no validation legend, averaged epochs named', () => {
  const history = [1, 2, 3].map((epoch) => ({
    epoch,
    loss: 1 / epoch,
    acc: epoch / 4,
    valLoss: null,
    valAcc: null,
    valUar: null,
    lr: 0.001,
  }));
  assert.doesNotMatch(
    curveSvg(
      'accuracy',
      history,
      (h) => h.acc,
      (h) => h.valAcc,
    ),
    />validation</,
  );
  assert.match(
    curveSvg(
      'accuracy',
      history,
      (h) => h.acc,
      () => 0.5,
    ),
    />validation</,
    'a validation series keeps its legend',
  );
  const e = evaluation(true);
  e.folds.forEach((f) => {
    f.history = history;
    f.params = { ...f.params, averaged: { fromEpoch: 2, toEpoch: 3, count: 2 } };
  });
  const html = renderReport(run([e]));
  assert.match(html, /weights of epochs 2-3 averaged/);
  assert.match(html, /no training speaker was held out for validation/);
  assert.doesNotMatch(html, /kept epoch/);
});
