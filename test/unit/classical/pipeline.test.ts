import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassicalPipeline, defaultPipelineConfig } from '../../../src/core/classical/pipeline.js';
import { accuracy, blobs } from './synthetic.js';

for (const model of ['svm', 'svm-linear', 'rf'] as const) {
  test(`pipeline (${model}, PCA 95 %) learns blobs with badly scaled columns and round-trips through JSON`, () => {
    const train = blobs(3, 40, 6, 4, 1);
    const testSet = blobs(3, 20, 6, 4, 2);
    // Column 2 in thousands and column 5 tiny: the scaler must undo this.
    for (const m of [train.x, testSet.x]) {
      for (let r = 0; r < m.rows; r++) {
        m.data[r * 6 + 2] *= 1000;
        m.data[r * 6 + 5] *= 1e-3;
      }
    }
    const cfg = { ...defaultPipelineConfig(model), pca: { varianceFraction: 0.95 } };
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const p = ClassicalPipeline.fit(train.x, train.y, ['x', 'y', 'z'], cfg, names);
    assert.ok(accuracy(p.predict(testSet.x), testSet.y) > 0.85);
    assert.ok(p.nComponents <= 6);
    const back = ClassicalPipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    assert.deepEqual(back.featureNames, names);
    assert.deepEqual(Array.from(back.predictProba(testSet.x)), Array.from(p.predictProba(testSet.x)));
  });
}

test('pipeline rejects non-finite features and foreign JSON with a clear message', () => {
  const train = blobs(2, 10, 2, 4, 1);
  train.x.data[3] = NaN;
  assert.throws(
    () => ClassicalPipeline.fit(train.x, train.y, ['a', 'b'], defaultPipelineConfig('rf')),
    /row 1, column 1/,
  );
  assert.throws(() => ClassicalPipeline.fromJSON({} as never), /not an Emovox classical pipeline/);
});
