import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  if ((manifest.kind ?? 'deep') === 'deep') {
    // The first, hand-written card: its only figure is a validation one, labelled as such.
    assert.match(manifest.card, /NOT a test\s+result/);
    assert.ok(manifest.history.length > 0);
  } else {
    // Bundles from `npm run train:default`: the card is rendered from the template, the same text in both places.
    assert.equal(manifest.card, readFileSync(join(DEFAULT, 'MODEL_CARD.md'), 'utf8'));
    assert.match(manifest.card, /## Evaluation\n\n(\| model |No evaluation)/);
    assert.match(manifest.card, /## Licence of the training data\n\n- .*CC0/);
  }
});

test('the default model classifies a real EMO-DB recording', { skip: emodb.skip }, async () => {
  const predictor = Predictor.fromBundle(await loadBundleFromDir(DEFAULT));
  const audio = await decodeFile(`${emodb.dir}/wav/03a01Wa.wav`);
  const p = await predictor.predict(audio.samples, audio.sampleRate);
  assert.ok(predictor.labels.includes(p.label));
  assert.ok(Math.abs(Object.values(p.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-5);
});
