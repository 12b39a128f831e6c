import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Predictor } from '../../../src/core/predict.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { decodeFile } from '../../../src/node/decode.js';
import { corpus } from '../../helpers/datasets.js';

const DEFAULT = fileURLToPath(new URL('../../../models/default', import.meta.url));
const emodb = corpus('emodb');

test('the committed default model loads, covers the seven EMO-DB emotions and says how it was made', async () => {
  const { manifest } = await loadBundleFromDir(DEFAULT);
  assert.deepEqual([...manifest.labels].sort(), [
    'anger',
    'boredom',
    'disgust',
    'fear',
    'happiness',
    'neutral',
    'sadness',
  ]);
  assert.equal(manifest.corpus, 'emodb');
  assert.match(manifest.card, /NOT a test\s+result/);
  assert.ok(manifest.history.length > 0);
});

test('the default model classifies a real EMO-DB recording', { skip: emodb.skip }, async () => {
  const predictor = Predictor.fromBundle(await loadBundleFromDir(DEFAULT));
  const audio = await decodeFile(`${emodb.dir}/wav/03a01Wa.wav`);
  const p = await predictor.predict(audio.samples, audio.sampleRate);
  assert.ok(predictor.labels.includes(p.label));
  assert.ok(Math.abs(Object.values(p.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-5);
});
