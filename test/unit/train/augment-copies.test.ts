import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentTransforms } from '../../../src/node/train/classical-features.js';

const SR = 16000;
const voiced = (n: number) =>
  Float32Array.from(
    { length: n },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * 180 * i) / SR) * (1 + 0.5 * Math.sin(i / 900)),
  );

test('augmentation copies: ordinary, noise-heavy, then speed-perturbed, each named, seeded per clip', async () => {
  // The codec round trip is another test's subject: here it passes the audio through.
  const codec = { name: 'pass-through', roundTrip: async (y: Float32Array) => y };
  const resources = {
    codec,
    noise: [Float32Array.from({ length: SR * 2 }, (_, i) => 0.05 * Math.sin(i * 1.7))],
  };
  const t = augmentTransforms(1, { augment: 1, augmentNoise: 1, augmentSpeed: 2 }, resources, SR);
  assert.deepEqual(
    t.map((x) => x.name.split('/')[0]),
    ['augment@1:0', 'augment-noise@1:0', 'augment-speed@1:0', 'augment-speed@1:1'],
  );
  // The earlier kinds keep their names (and so their cached descriptors) when speed copies are added.
  assert.deepEqual(
    augmentTransforms(1, { augment: 1, augmentNoise: 1 }, resources, SR).map((x) => x.name),
    t.slice(0, 2).map((x) => x.name),
  );
  const x = voiced(SR);
  const lengths: number[] = [];
  for (let clip = 0; clip < 12; clip++) {
    const path = `/corpus/clip${clip}.wav`;
    const y = await t[2].apply(x, path, clip);
    assert.deepEqual(await t[2].apply(x, path, clip), y, 'the same clip gets the same copy');
    lengths.push(y.length);
  }
  // Each copy is played 0.9-1.1 times as fast (a factor that rounds to 1.00 keeps the length).
  for (const n of lengths) assert.ok(n >= Math.floor(SR / 1.1) && n <= Math.ceil(SR / 0.9), `length ${n}`);
  assert.ok(new Set(lengths).size > 6, `factors vary between clips: ${lengths.join(', ')}`);
  assert.notDeepEqual(
    await t[3].apply(x, '/corpus/clip0.wav', 0),
    await t[2].apply(x, '/corpus/clip0.wav', 0),
  );
});

test('pitch-perturbed copies come after the other kinds, keep the length, and leave their names alone', async () => {
  const codec = { name: 'pass-through', roundTrip: async (y: Float32Array) => y };
  const resources = {
    codec,
    noise: [Float32Array.from({ length: SR * 2 }, (_, i) => 0.05 * Math.sin(i * 1.7))],
  };
  const t = augmentTransforms(1, { augmentNoise: 1, augmentPitch: 1 }, resources, SR);
  assert.deepEqual(
    t.map((x) => x.name.split('/')[0]),
    ['augment-noise@1:0', 'augment-pitch@1:0'],
  );
  assert.equal(t[0].name, augmentTransforms(1, { augmentNoise: 1 }, resources, SR)[0].name);
  const x = voiced(SR);
  const y = await t[1].apply(x, '/corpus/clip0.wav', 0);
  assert.deepEqual(await t[1].apply(x, '/corpus/clip0.wav', 0), y, 'seeded per clip');
  assert.equal(y.length, x.length);
  assert.notDeepEqual(await t[1].apply(x, '/corpus/clip1.wav', 1), y);
});
