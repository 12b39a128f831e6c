import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalQuantile, QuantileNormal } from '../../../src/core/classical/quantile.js';
import { ClassicalPipeline, defaultPipelineConfig } from '../../../src/core/classical/pipeline.js';
import type { Matrix } from '../../../src/core/classical/matrix.js';

const column = (values: number[]): Matrix => ({
  rows: values.length,
  cols: 1,
  data: Float64Array.from(values),
});

test('normalQuantile inverts the normal CDF', () => {
  assert.equal(normalQuantile(0.5), 0);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-5);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232) < 1e-5);
  assert.throws(() => normalQuantile(1), /\(0, 1\)/);
});

test('the quantile transform maps training ranks to normal scores, whatever the scale or outliers', () => {
  // A skewed column with one huge outlier: the median maps to 0, order is kept, the outlier is bounded.
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1e6];
  const q = QuantileNormal.fit(column(values));
  const z = Array.from(q.transform(column(values)).data);
  for (let i = 1; i < z.length; i++) assert.ok(z[i] > z[i - 1], 'monotone');
  assert.ok(Math.abs(z[4] + z[5]) < 1e-9, 'symmetric around the median');
  assert.ok(z[9] < 2, `outlier bounded (${z[9]})`);
  // Values outside the training range take the extreme ranks; ties take the middle of their run.
  const out = Array.from(q.transform(column([-5, 2e6])).data);
  assert.deepEqual(out, [z[0], z[9]]);
  const tied = QuantileNormal.fit(column([0, 0, 0, 0, 1]));
  assert.ok(Math.abs(tied.transform(column([0])).data[0] - normalQuantile(0.375)) < 1e-9);
  // Multiplying a column by 1000 changes nothing: the transform sees ranks only.
  const scaled = QuantileNormal.fit(column(values.map((v) => v * 1000)));
  assert.deepEqual(Array.from(scaled.transform(column(values.map((v) => v * 1000))).data), z);
  assert.throws(() => q.transform({ rows: 1, cols: 2, data: new Float64Array(2) }), /expected 1 columns/);
});

test('a pipeline with quantile scaling round-trips through JSON with the same probabilities', () => {
  const rows: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 60; i++) {
    const label = i % 3;
    y.push(label);
    rows.push(label * 2 + Math.sin(i), Math.exp(label + 0.1 * Math.cos(i)), i % 7);
  }
  const x: Matrix = { rows: 60, cols: 3, data: Float64Array.from(rows) };
  const base = defaultPipelineConfig('logistic');
  const cfg = { ...base, logistic: { ...base.logistic, C: 1 }, scaling: 'quantile' as const };
  const pipe = ClassicalPipeline.fit(x, y, ['a', 'b', 'c'], cfg);
  const json = JSON.parse(JSON.stringify(pipe.toJSON()));
  assert.ok(json.quantile.knots.length === 3);
  const back = ClassicalPipeline.fromJSON(json);
  assert.deepEqual(Array.from(back.predictProba(x)), Array.from(pipe.predictProba(x)));
  const acc = Array.from(pipe.predict(x)).filter((p, i) => p === y[i]).length / 60;
  assert.ok(acc > 0.9, `training accuracy ${acc}`);
  assert.throws(() => ClassicalPipeline.fromJSON({ ...json, quantile: undefined }), /quantile/);
});
