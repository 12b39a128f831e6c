import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpeakerProfile } from '../../../src/core/speaker-profile.js';
import { speakerNormaliseRows } from '../../../src/node/train/evaluate/speaker-norm.js';

test("a profile's mean and std normalise exactly like the evaluation's per-speaker normalisation", () => {
  const rows = [
    [1, 200, 5],
    [3, 180, 5],
    [2, 260, 5],
    [6, 210, 5],
  ];
  const p = new SpeakerProfile(3);
  rows.forEach((r) => p.add(r));
  assert.equal(p.count, 4);
  const expected = speakerNormaliseRows({ data: Float64Array.from(rows.flat()), rows: 4, cols: 3 }, [
    's',
    's',
    's',
    's',
  ]);
  const mean = p.mean();
  const std = p.std();
  assert.equal(std[2], 1, 'a constant dimension gets std 1');
  rows.forEach((r, i) =>
    r.forEach((v, c) => assert.ok(Math.abs((v - mean[c]) / std[c] - expected.data[i * 3 + c]) < 1e-5)),
  );
});

test('a profile survives JSON, and bad vectors or JSON are refused clearly', () => {
  const p = new SpeakerProfile(2);
  p.add([1, 2]);
  p.add([3, 5]);
  const back = SpeakerProfile.fromJSON(JSON.parse(JSON.stringify(p)));
  assert.equal(back.count, 2);
  assert.deepEqual(Array.from(back.mean()), Array.from(p.mean()));
  assert.deepEqual(Array.from(back.std()), Array.from(p.std()));
  assert.throws(() => p.add([1, 2, 3]), /3 values but this speaker profile has 2/);
  assert.throws(() => p.add([1, NaN]), /descriptor 1 is NaN/);
  assert.throws(() => new SpeakerProfile(2).mean(), /no utterances yet/);
  assert.throws(
    () => SpeakerProfile.fromJSON({ dim: 2, count: 1, sum: [1], sumSq: [1, 1] }),
    /not a speaker profile/,
  );
});
