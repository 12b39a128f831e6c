import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLASSICAL_FEATURES } from '../../../src/core/classical/featurize.js';
import { ClassicalPipeline, defaultPipelineConfig } from '../../../src/core/classical/pipeline.js';
import { ClassicalModel } from '../../../src/core/classical/serialize-model.js';
import { roundFloat32 } from '../../../src/core/classical/serialize.js';
import { blobs } from './synthetic.js';

test('roundFloat32 writes the shortest decimal that reads back as the same float32', () => {
  for (const x of [0.1, 1 / 3, -123456.789, 6.02e23, 1.5e-30, 2 ** -140, 42]) {
    const r = roundFloat32(x);
    assert.equal(Math.fround(r), Math.fround(x), `value ${x}`);
    assert.ok(
      String(r)
        .replace(/^-|e.*$|\./g, '')
        .replace(/^0+/, '').length <= 9,
      `${r} is short`,
    );
  }
  assert.equal(roundFloat32(0.1), 0.1);
  assert.equal(roundFloat32(0), 0);
});

const LABELS = ['neutral', 'anger', 'sadness'];
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

const variants = [
  { name: 'linear SVM', cfg: defaultPipelineConfig('svm-linear') },
  { name: 'linear SVM + PCA', cfg: { ...defaultPipelineConfig('svm-linear'), pca: { nComponents: 4 } } },
  { name: 'RBF SVM', cfg: defaultPipelineConfig('svm') },
  {
    name: 'Random Forest',
    cfg: { ...defaultPipelineConfig('rf'), rf: { nTrees: 20, classWeight: 'balanced' as const } },
  },
];

for (const v of variants) {
  test(`classical.json round trip (${v.name}): same probabilities, and a second save is byte-identical`, () => {
    const train = blobs(3, 25, 6, 3, 1);
    const probe = blobs(3, 10, 6, 3, 2);
    const global = ClassicalPipeline.fit(train.x, train.y, LABELS, v.cfg, NAMES);
    const model = new ClassicalModel(DEFAULT_CLASSICAL_FEATURES, LABELS, NAMES, global, null);
    const text = JSON.stringify(model.toJSON());
    const back = ClassicalModel.fromJSON(JSON.parse(text), DEFAULT_CLASSICAL_FEATURES);
    assert.equal(JSON.stringify(back.toJSON()), text);
    const again = ClassicalModel.fromJSON(JSON.parse(text), DEFAULT_CLASSICAL_FEATURES);
    const orig = global.predictProba(probe.x);
    for (let r = 0; r < probe.x.rows; r++) {
      const row = probe.x.data.subarray(r * 6, r * 6 + 6);
      const p = back.probabilities(row).probabilities;
      assert.deepEqual(Array.from(again.probabilities(row).probabilities), Array.from(p));
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(p[k] - orig[r * 3 + k]) < 1e-4, `${v.name} row ${r}`);
    }
  });
}

test('a linear SVM is stored as one weight vector per pair of classes, not its support vectors', () => {
  const train = blobs(3, 60, 6, 1, 3); // overlapping blobs: many support vectors
  const global = ClassicalPipeline.fit(train.x, train.y, LABELS, defaultPipelineConfig('svm-linear'), NAMES);
  const j = new ClassicalModel(DEFAULT_CLASSICAL_FEATURES, LABELS, NAMES, global, null).toJSON();
  const svm = (j.pipelines.global.classifier as { svm: { supportVectors: number[][] } }).svm;
  assert.equal(svm.supportVectors.length, 3);
  assert.ok(
    (global.toJSON().classifier as { svm: { supportVectors: number[][] } }).svm.supportVectors.length > 3,
  );
});

test('a classical.json that does not fit is refused with a message naming the problem', () => {
  const train = blobs(3, 10, 6, 3, 1);
  const global = ClassicalPipeline.fit(train.x, train.y, LABELS, defaultPipelineConfig('svm-linear'), NAMES);
  assert.throws(
    () => new ClassicalModel(DEFAULT_CLASSICAL_FEATURES, LABELS, ['a', 'b'], global, null),
    /takes 6 descriptors but the model names 2/,
  );
  assert.throws(
    () => ClassicalModel.fromJSON({ kind: 'x' }, DEFAULT_CLASSICAL_FEATURES, 'm/classical.json'),
    /m\/classical.json is not an Emovox classical model/,
  );
  const model = new ClassicalModel(DEFAULT_CLASSICAL_FEATURES, LABELS, NAMES, global, null);
  assert.throws(() => model.probabilities([1, 2, 3]), /3 values; this model expects 6/);
});
