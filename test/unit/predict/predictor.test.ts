import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Predictor } from '../../../src/core/predict.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { TINY_LABELS, seededRandom, tinyClip } from '../../helpers/tones.js';

const TINY = fileURLToPath(new URL('../../fixtures/bundles/tiny', import.meta.url));

async function tiny(): Promise<Predictor> {
  return Predictor.fromBundle(await loadBundleFromDir(TINY));
}

test('the tiny bundle classifies fresh synthetic clips, with emoji and probabilities that sum to 1', async () => {
  const p = await tiny();
  assert.deepEqual(p.labels, [...TINY_LABELS]);
  const rng = seededRandom(1234);
  for (let k = 0; k < 3; k++) {
    const r = await p.predict(tinyClip(k, rng, 2.5));
    assert.equal(r.label, TINY_LABELS[k]);
    assert.equal(r.emoji, { sadness: '😢', neutral: '😐', happiness: '😄' }[TINY_LABELS[k]]);
    const sum = Object.values(r.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.equal(r.confidence, Math.max(...Object.values(r.probabilities)));
  }
});

test('clips shorter than one window are padded and still classified', async () => {
  const p = await tiny();
  const r = await p.predict(tinyClip(2, seededRandom(5), 0.3));
  assert.equal(r.label, 'happiness');
});

test('timeline follows a change of "emotion" within one recording and covers it to the end', async () => {
  const p = await tiny();
  const rng = seededRandom(77);
  const a = tinyClip(0, rng, 3);
  const b = tinyClip(2, rng, 3);
  const x = new Float32Array(a.length + b.length);
  x.set(a);
  x.set(b, a.length);
  const segs = await p.timeline(x, 1, 0.5);
  assert.equal(segs[0].startSec, 0);
  assert.ok(Math.abs(segs[segs.length - 1].endSec - 6) < 1e-9);
  assert.equal(segs[0].prediction.label, 'sadness');
  assert.equal(segs[segs.length - 1].prediction.label, 'happiness');
  for (let i = 1; i < segs.length; i++) assert.ok(segs[i].startSec > segs[i - 1].startSec);
});

test('bad input is refused with a clear message', async () => {
  const p = await tiny();
  await assert.rejects(p.predict(new Float32Array(0)), /no audio samples/);
  await assert.rejects(p.predict(new Float32Array(16000), 44100), /44100 Hz but this model needs 16000 Hz/);
  await assert.rejects(p.timeline(new Float32Array(16000), 0), /must be positive/);
});

test('a bundle with a network member refuses to classify from descriptors alone', async () => {
  const p = await tiny();
  await assert.rejects(p.predictDescriptors(new Float32Array(4)), /network member, which needs the audio/);
});
