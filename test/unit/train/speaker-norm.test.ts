import { test } from 'node:test';
import assert from 'node:assert/strict';
import { speakerNormaliseFrames, speakerNormaliseRows } from '../../../src/node/train/speaker-norm.js';
import { fromRows } from '../../../src/core/classical/matrix.js';

test('speakerNormaliseRows standardises each speaker with its own statistics', () => {
  // Speaker b is speaker a shifted by +100 and scaled by 3: after normalisation both are identical.
  const x = fromRows([
    [1, 5],
    [2, 5],
    [3, 5],
    [103, 15],
    [106, 15],
    [109, 15],
  ]);
  const z = speakerNormaliseRows(x, ['a', 'a', 'a', 'b', 'b', 'b']);
  const s = Math.sqrt(2 / 3);
  assert.deepEqual(
    Array.from(z.data).map((v) => Math.round(v * 1e9) / 1e9),
    [-1 / s, 0, 0, 0, 1 / s, 0, -1 / s, 0, 0, 0, 1 / s, 0].map((v) => Math.round(v * 1e9) / 1e9),
  );
});

test('speakerNormaliseFrames pools every frame of the speaker and keeps shapes', () => {
  const m1 = { data: Float32Array.of(1, 10, 3, 10), frames: 2, coeffs: 2 };
  const m2 = { data: Float32Array.of(5, 10), frames: 1, coeffs: 2 };
  const m3 = { data: Float32Array.of(7, 7), frames: 1, coeffs: 2 };
  const [a, b, c] = speakerNormaliseFrames([m1, m2, m3], ['x', 'x', 'y']);
  // speaker x coefficient 0: frames 1, 3, 5 -> mean 3, std sqrt(8/3)
  const sd = Math.sqrt(8 / 3);
  assert.ok(Math.abs(a.data[0] - -2 / sd) < 1e-6);
  assert.ok(Math.abs(b.data[0] - 2 / sd) < 1e-6);
  assert.equal(a.data[1], 0);
  assert.equal(a.frames, 2);
  assert.deepEqual(Array.from(c.data), [0, 0]);
  assert.deepEqual(Array.from(m1.data), [1, 10, 3, 10]);
});
