import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  speakerNormaliseFrames,
  speakerNormaliseRows,
} from '../../../src/node/train/evaluate/speaker-norm.js';
import { fromRows } from '../../../src/core/classical/matrix.js';
import { speakerNormaliseCache } from '../../../src/node/train/data.js';

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

test('speakerNormaliseCache z-scores every variant with the statistics of its speaker’s clean frames', () => {
  const u = (speaker: string) =>
    ({ path: speaker, label: 'anger', speaker, corpus: 'x', rawLabel: 'W' }) as const;
  // Two coefficients; speaker a: clean frames (1,4),(3,4) and one augmented copy; speaker b alone.
  const cache = {
    coeffs: 2,
    items: [
      { utterance: u('a'), labelIndex: 0, variants: [Float32Array.of(1, 4), Float32Array.of(5, 4)] },
      { utterance: u('a'), labelIndex: 0, variants: [Float32Array.of(3, 4)] },
      { utterance: u('b'), labelIndex: 0, variants: [Float32Array.of(10, 20, 30, 40)] },
    ],
  };
  speakerNormaliseCache(cache, 'features');
  assert.deepEqual(Array.from(cache.items[0].variants[0]), [-1, 0]);
  assert.deepEqual(Array.from(cache.items[0].variants[1]), [3, 0]); // augmented: (5 - 2) / 1
  assert.deepEqual(Array.from(cache.items[1].variants[0]), [1, 0]);
  assert.deepEqual(Array.from(cache.items[2].variants[0]), [-1, -1, 1, 1]);
  assert.throws(() => speakerNormaliseCache(cache, 'waveform'), /waveform models/);
});
