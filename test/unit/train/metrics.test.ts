import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  confusionMatrix,
  macroF1,
  perClass,
  uar,
  weightedAccuracy,
} from '../../../src/node/train/evaluate/metrics.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('confusion matrix, WA, UAR, macro-F1 and per-class figures match hand computation', () => {
  const labels = ['anger', 'sadness', 'neutral'];
  const yTrue = ['anger', 'anger', 'anger', 'anger', 'sadness', 'sadness', 'neutral', 'neutral'];
  const yPred = ['anger', 'anger', 'anger', 'neutral', 'sadness', 'neutral', 'neutral', 'anger'];
  const c = confusionMatrix(labels, yTrue, yPred);
  assert.deepEqual(c.matrix, [
    [3, 0, 1],
    [0, 1, 1],
    [1, 0, 1],
  ]);
  close(weightedAccuracy(c), 5 / 8);
  // recalls 3/4, 1/2, 1/2 -> UAR 7/12
  close(uar(c), 7 / 12);
  const pc = perClass(c);
  // anger: precision 3/4, recall 3/4 -> F1 3/4; sadness: P 1, R 1/2 -> 2/3; neutral: P 1/3, R 1/2 -> 2/5
  close(pc[0].f1!, 0.75);
  close(pc[1].f1!, 2 / 3);
  close(pc[2].precision!, 1 / 3);
  close(pc[2].f1!, 0.4);
  assert.equal(pc[0].support, 4);
  close(macroF1(c), (0.75 + 2 / 3 + 0.4) / 3);
});

test('a class with no true example is excluded from UAR and macro-F1; a never-predicted class has null precision', () => {
  const labels = ['anger', 'disgust', 'fear'];
  // disgust never occurs in y_true (speaker 08 has none); fear is never predicted.
  const c = confusionMatrix(
    labels,
    ['anger', 'anger', 'fear', 'fear'],
    ['anger', 'disgust', 'anger', 'anger'],
  );
  const pc = perClass(c);
  assert.equal(pc[1].recall, null);
  assert.equal(pc[1].f1, null);
  assert.equal(pc[1].precision, 0);
  assert.equal(pc[2].precision, null);
  assert.equal(pc[2].f1, 0);
  // recalls: anger 1/2, fear 0 -> UAR 1/4 over the two present classes
  close(uar(c), 0.25);
  // F1: anger P 1/3 R 1/2 -> 0.4; fear 0 -> macro 0.2
  close(macroF1(c), 0.2);
});

test('confusionMatrix rejects unknown labels and length mismatches by name', () => {
  assert.throws(
    () => confusionMatrix(['a', 'b'], ['a', 'c'], ['a', 'b']),
    /true label 'c' is not among a, b/,
  );
  assert.throws(() => confusionMatrix(['a', 'b'], ['a'], ['a', 'b']), /1 true labels but 2 predictions/);
  assert.ok(Number.isNaN(uar(confusionMatrix(['a'], [], []))));
});
