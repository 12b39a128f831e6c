import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileRanks, selectRanks, utteranceFunctionals } from '../../../src/core/features/index.js';
import { seededRng } from '../../../src/core/random.js';

test('functionals per coefficient with names like mfcc3_mean', () => {
  // coefficient 0: 0, 1, 2, 3, 4 (ramp); coefficient 1: constant 7
  const data = Float32Array.from([0, 7, 1, 7, 2, 7, 3, 7, 4, 7]);
  const f = utteranceFunctionals({ data, frames: 5, coeffs: 2 });
  const get = (n: string) => f.values[f.names.indexOf(n)];
  assert.equal(f.names.length, 16);
  assert.equal(get('mfcc0_mean'), 2);
  assert.ok(Math.abs(get('mfcc0_std') - Math.sqrt(2)) < 1e-6);
  assert.equal(get('mfcc0_min'), 0);
  assert.equal(get('mfcc0_max'), 4);
  assert.ok(Math.abs(get('mfcc0_p10') - 0.4) < 1e-6);
  assert.equal(get('mfcc0_p50'), 2);
  assert.equal(get('mfcc0_slope'), 1);
  assert.equal(get('mfcc1_std'), 0);
  assert.equal(get('mfcc1_slope'), 0);
});

test('functional selection and prefix; unknown names rejected', () => {
  const m = { data: Float32Array.from([1, 2, 3]), frames: 3, coeffs: 1 };
  const f = utteranceFunctionals(m, ['p75', 'max'], 'logmel');
  assert.deepEqual(f.names, ['logmel0_p75', 'logmel0_max']);
  assert.deepEqual(Array.from(f.values), [2.5, 3]);
  assert.throws(() => utteranceFunctionals(m, ['median']), /unknown functional 'median'; accepted/);
});

test('selectRanks puts every wanted rank where a full sort would, with ties, runs and tiny inputs', () => {
  const rng = seededRng(7);
  for (const n of [1, 2, 3, 15, 16, 17, 40, 301, 1000]) {
    for (const kind of ['random', 'ties', 'sorted', 'reversed'] as const) {
      const v = Float64Array.from({ length: n }, (_, i) =>
        kind === 'random'
          ? rng() - 0.5
          : kind === 'ties'
            ? Math.floor(rng() * 4)
            : kind === 'sorted'
              ? i
              : n - i,
      );
      const sorted = Float64Array.from(v).sort();
      const ranks = [
        ...new Set([0, ...[1, 10, 25, 50, 75, 90, 99].flatMap((q) => percentileRanks(n, q)), n - 1]),
      ].sort((a, b) => a - b);
      const a = Float64Array.from(v);
      selectRanks(a, n, ranks);
      for (const r of ranks) assert.equal(a[r], sorted[r], `n ${n} ${kind} rank ${r}`);
      assert.deepEqual(Float64Array.from(a).sort(), sorted, 'a permutation of the input');
    }
  }
});
