import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utteranceFunctionals } from '../../../src/core/features/index.js';

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
