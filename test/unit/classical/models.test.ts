import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomForest } from '../../../src/core/classical/random-forest.js';
import { Svm } from '../../../src/core/classical/svm.js';
import { fitSigmoid, pairwiseCoupling, sigmoidProbability } from '../../../src/core/classical/platt.js';
import { accuracy, blobs, xor } from './synthetic.js';
import { seededRng } from '../../../src/core/random.js';
import type { Matrix } from '../../../src/core/classical/matrix.js';

test('SVM (linear) separates well-separated blobs and its probabilities sum to 1', () => {
  const train = blobs(3, 40, 4, 6, 1);
  const testSet = blobs(3, 30, 4, 6, 2);
  const svm = Svm.fit(train.x, train.y, 3, { kernel: 'linear', C: 1 });
  assert.ok(accuracy(svm.predict(testSet.x), testSet.y) > 0.97);
  const p = svm.predictProba(testSet.x);
  for (let r = 0; r < testSet.x.rows; r++) {
    const s = p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2];
    assert.ok(Math.abs(s - 1) < 1e-6);
  }
});

test('SVM with an RBF kernel learns XOR, which a linear kernel cannot', () => {
  const train = xor(300, 1);
  const testSet = xor(300, 2);
  const rbf = Svm.fit(train.x, train.y, 2, { kernel: 'rbf', C: 10, gamma: 2 });
  const lin = Svm.fit(train.x, train.y, 2, { kernel: 'linear', C: 10 });
  assert.ok(accuracy(rbf.predict(testSet.x), testSet.y) > 0.9);
  assert.ok(accuracy(lin.predict(testSet.x), testSet.y) < 0.7);
});

test('SVM round-trips through JSON with identical probabilities', () => {
  const train = blobs(3, 20, 3, 3, 4);
  const svm = Svm.fit(train.x, train.y, 4, { kernel: 'rbf', C: 2, classWeight: 'balanced' });
  const back = Svm.fromJSON(JSON.parse(JSON.stringify(svm.toJSON())));
  assert.deepEqual(Array.from(back.predictProba(train.x)), Array.from(svm.predictProba(train.x)));
  // Class 3 never appears in training: it gets probability 0.
  const p = svm.predictProba(train.x);
  for (let r = 0; r < train.x.rows; r++) assert.equal(p[r * 4 + 3], 0);
});

test('balanced class weights raise recall of a rare class that overlaps a common one', () => {
  const rng = seededRng(9);
  const n0 = 200;
  const n1 = 20;
  const x: Matrix = { data: new Float64Array((n0 + n1) * 2), rows: n0 + n1, cols: 2 };
  const y = new Int32Array(n0 + n1);
  for (let i = 0; i < n0 + n1; i++) {
    y[i] = i < n0 ? 0 : 1;
    x.data[i * 2] = (rng() - 0.5) * 2 + (y[i] ? 0.8 : 0);
    x.data[i * 2 + 1] = rng();
  }
  const recall1 = (m: Svm) => {
    const p = m.predict(x);
    let hit = 0;
    for (let i = n0; i < n0 + n1; i++) if (p[i] === 1) hit++;
    return hit / n1;
  };
  const plain = Svm.fit(x, y, 2, { kernel: 'linear', C: 1, probability: false });
  const balanced = Svm.fit(x, y, 2, { kernel: 'linear', C: 1, probability: false, classWeight: 'balanced' });
  assert.ok(recall1(balanced) > recall1(plain), `${recall1(balanced)} vs ${recall1(plain)}`);
});

test('Platt sigmoid maps large positive decision values to high probability; coupling of consistent pairs', () => {
  const dec = [-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3];
  const lab = [-1, -1, -1, -1, 1, -1, 1, 1, 1, 1];
  const s = fitSigmoid(dec, lab);
  assert.ok(s.a < 0);
  assert.ok(sigmoidProbability(3, s) > 0.8 && sigmoidProbability(-3, s) < 0.2);
  // r[i][j] = p_i / (p_i + p_j) for p = (0.5, 0.3, 0.2): coupling recovers p.
  const p = [0.5, 0.3, 0.2];
  const r = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) if (i !== j) r[i * 3 + j] = p[i] / (p[i] + p[j]);
  const q = pairwiseCoupling(r, 3);
  q.forEach((v, i) => assert.ok(Math.abs(v - p[i]) < 0.01, `${v} vs ${p[i]}`));
});

test('RandomForest beats chance on noisy data, is deterministic under a seed, and round-trips', () => {
  const train = blobs(4, 50, 8, 1.5, 1);
  const testSet = blobs(4, 50, 8, 1.5, 2);
  const rf = RandomForest.fit(train.x, train.y, 4, { nTrees: 50, seed: 7 });
  const acc = accuracy(rf.predict(testSet.x), testSet.y);
  assert.ok(acc > 0.5, `accuracy ${acc} (chance 0.25)`);
  const same = RandomForest.fit(train.x, train.y, 4, { nTrees: 50, seed: 7 });
  assert.deepEqual(Array.from(same.predictProba(testSet.x)), Array.from(rf.predictProba(testSet.x)));
  const other = RandomForest.fit(train.x, train.y, 4, { nTrees: 50, seed: 8 });
  assert.notDeepEqual(Array.from(other.predictProba(testSet.x)), Array.from(rf.predictProba(testSet.x)));
  const back = RandomForest.fromJSON(JSON.parse(JSON.stringify(rf.toJSON())));
  assert.deepEqual(Array.from(back.predictProba(testSet.x)), Array.from(rf.predictProba(testSet.x)));
});

test('a single deep tree without bootstrap fits its training data exactly; maxDepth 1 is a stump', () => {
  const train = blobs(3, 30, 5, 1, 3);
  const tree = RandomForest.fit(train.x, train.y, 3, { nTrees: 1, bootstrap: false, maxFeatures: 5 });
  assert.equal(accuracy(tree.predict(train.x), train.y), 1);
  const stump = RandomForest.fit(train.x, train.y, 3, {
    nTrees: 1,
    bootstrap: false,
    maxDepth: 1,
    maxFeatures: 5,
  });
  assert.equal(stump.toJSON().trees[0].feature.length, 3);
});
