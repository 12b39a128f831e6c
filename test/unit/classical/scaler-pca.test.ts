import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StandardScaler } from '../../../src/core/classical/scaler.js';
import { Pca } from '../../../src/core/classical/pca.js';
import { symmetricEigen } from '../../../src/core/classical/eigen.js';
import { fromRows, type Matrix } from '../../../src/core/classical/matrix.js';
import { seededRng } from '../../../src/core/random.js';
import { gaussian } from './synthetic.js';

test('StandardScaler gives zero mean, unit std, and round-trips through JSON and inverseTransform', () => {
  const x = fromRows([
    [1, 10, 5],
    [2, 20, 5],
    [3, 30, 5],
    [4, 40, 5],
  ]);
  const s = StandardScaler.fit(x);
  assert.deepEqual(Array.from(s.mean), [2.5, 25, 5]);
  const z = s.transform(x);
  // Column 0: (1 - 2.5) / sqrt(1.25)
  assert.ok(Math.abs(z.data[0] - -1.5 / Math.sqrt(1.25)) < 1e-12);
  // A constant column maps to 0, not NaN.
  assert.equal(z.data[2], 0);
  const s2 = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
  assert.deepEqual(Array.from(s2.transform(x).data), Array.from(z.data));
  const back = s.inverseTransform(z);
  back.data.forEach((v, i) => assert.ok(Math.abs(v - x.data[i]) < 1e-12));
  assert.throws(() => s.transform(fromRows([[1, 2]])), /expected 3 columns, got 2/);
});

test('symmetricEigen matches a hand-computed 2x2 and reconstructs a random symmetric matrix', () => {
  const e = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
  assert.ok(Math.abs(e.values[0] - 3) < 1e-12 && Math.abs(e.values[1] - 1) < 1e-12);
  assert.ok(Math.abs(Math.abs(e.vectors[0]) - Math.SQRT1_2) < 1e-12);
  const n = 30;
  const rng = seededRng(3);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng() - 0.5;
  const { values, vectors } = symmetricEigen(a, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[k * n + i] * values[k] * vectors[k * n + j];
      assert.ok(Math.abs(s - a[i * n + j]) < 1e-10, `A[${i},${j}]`);
    }
  }
  for (let k = 1; k < n; k++) assert.ok(values[k] <= values[k - 1]);
});

function planted(n: number, d: number, dir: number[], scale: number, seed: number): Matrix {
  const rng = seededRng(seed);
  const x: Matrix = { data: new Float64Array(n * d), rows: n, cols: d };
  for (let r = 0; r < n; r++) {
    const t = gaussian(rng) * scale;
    for (let c = 0; c < d; c++) x.data[r * d + c] = 7 + t * dir[c] + 0.1 * gaussian(rng);
  }
  return x;
}

for (const [rows, cols] of [
  [200, 10],
  [20, 60],
] as const) {
  test(`Pca recovers a planted direction (${rows} rows x ${cols} columns)`, () => {
    const dir = Array.from({ length: cols }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? -0.5 : 0));
    const norm = Math.hypot(...dir);
    const unit = dir.map((v) => v / norm);
    const x = planted(rows, cols, unit, 5, 11);
    const pca = Pca.fit(x, { nComponents: 3 });
    const c0 = Array.from(pca.components.data.subarray(0, cols));
    const cos = Math.abs(c0.reduce((s, v, i) => s + v * unit[i], 0));
    assert.ok(cos > 0.99, `cosine with the planted direction ${cos}`);
    assert.ok(pca.explainedVarianceRatio[0] > 0.9);
    // The projections are uncorrelated with variance equal to explainedVariance.
    const z = pca.transform(x);
    let v0 = 0;
    for (let r = 0; r < rows; r++) v0 += z.data[r * 3] ** 2;
    assert.ok(Math.abs(v0 / (rows - 1) - pca.explainedVariance[0]) < 1e-6 * pca.explainedVariance[0]);
    const again = Pca.fromJSON(JSON.parse(JSON.stringify(pca.toJSON())));
    assert.deepEqual(Array.from(again.transform(x).data), Array.from(z.data));
  });
}

test('Pca varianceFraction keeps the fewest components reaching the fraction', () => {
  const rng = seededRng(5);
  const scales = [10, 5, 1, 0.1];
  const x: Matrix = { data: new Float64Array(500 * 4), rows: 500, cols: 4 };
  for (let r = 0; r < 500; r++) for (let c = 0; c < 4; c++) x.data[r * 4 + c] = gaussian(rng) * scales[c];
  // Variances ~100, 25, 1, 0.01: 80 % in one component, 99 % in two, 99.99 % in three.
  assert.equal(Pca.fit(x, { varianceFraction: 0.7 }).nComponents, 1);
  assert.equal(Pca.fit(x, { varianceFraction: 0.97 }).nComponents, 2);
  assert.equal(Pca.fit(x, { varianceFraction: 0.999 }).nComponents, 3);
  assert.throws(() => Pca.fit(x, { varianceFraction: 1.5 }), /varianceFraction must be in \(0, 1\]/);
});
