import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_FORMAT_VERSION, parseManifest, type BundleManifest } from '../../../src/core/bundle.js';
import { parseFeatureConfig } from '../../../src/core/features/config.js';
import { loadBundleFromDir, loadDeepBundleFromDir, saveBundle } from '../../../src/node/bundle-io.js';

function tinyModel(classes = 2): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv1d({ inputShape: [10, 4], filters: 3, kernelSize: 3 }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dense({ units: classes, activation: 'softmax' }),
    ],
  });
}

function manifest(labels = ['sadness', 'happiness']): BundleManifest {
  return parseManifest({
    formatVersion: BUNDLE_FORMAT_VERSION,
    labels,
    featureConfig: parseFeatureConfig({ kind: 'logmel', nMels: 4 }),
    modelName: 'test',
    input: { kind: 'features', windowSec: 0.1, hopSec: 0.05 },
    normalisation: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
    history: [{ epoch: 1, loss: 0.5, acc: 0.7, valLoss: null, valAcc: null, valUar: null, lr: 0.001 }],
    createdAt: '2026-01-01T00:00:00Z',
  });
}

test('a saved bundle loads back with identical outputs, manifest and history.json; overwriting is atomic', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-bundle-'));
  try {
    const dir = join(root, 'm');
    const model = tinyModel();
    await saveBundle(dir, model, manifest());
    assert.deepEqual(readdirSync(dir).sort(), ['emovox.json', 'history.json', 'model.json', 'weights.bin']);
    const x = tf.randomNormal([3, 10, 4]);
    const loaded = await loadDeepBundleFromDir(dir);
    assert.deepEqual(loaded.manifest, manifest());
    const a = (model.predict(x) as tf.Tensor).arraySync();
    const b = (loaded.model.predict(x) as tf.Tensor).arraySync();
    assert.deepEqual(b, a);
    assert.equal(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'))[0].acc, 0.7);

    await saveBundle(dir, tinyModel(3), manifest(['sadness', 'happiness', 'anger']), {
      'MODEL_CARD.md': '# card\n',
    });
    assert.equal((await loadBundleFromDir(dir)).manifest.labels.length, 3);
    assert.ok(existsSync(join(dir, 'MODEL_CARD.md')));
    assert.deepEqual(readdirSync(root), ['m'], 'no temporary or old folders are left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bad bundles fail with a message naming the problem', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-bundle-'));
  try {
    const dir = join(root, 'm');
    await assert.rejects(
      saveBundle(dir, tinyModel(3), manifest()),
      /model has 3 outputs but the manifest lists 2 labels/,
    );
    assert.ok(!existsSync(dir));
    await assert.rejects(loadBundleFromDir(join(root, 'nope')), /does not exist/);
    await saveBundle(dir, tinyModel(), manifest());
    const m = JSON.parse(readFileSync(join(dir, 'emovox.json'), 'utf8'));
    writeFileSync(join(dir, 'emovox.json'), JSON.stringify({ ...m, labels: 'x', normalisation: 1 }));
    await assert.rejects(
      loadBundleFromDir(dir),
      /not a valid Emovox bundle manifest \(labels: .*normalisation: /,
    );
    writeFileSync(join(dir, 'emovox.json'), JSON.stringify({ ...m, formatVersion: 9 }));
    await assert.rejects(loadBundleFromDir(dir), /format version 9; this Emovox reads versions 1 and 2/);
    writeFileSync(join(dir, 'emovox.json'), JSON.stringify({ ...m, kind: 'forest' }));
    await assert.rejects(
      loadBundleFromDir(dir),
      /unknown bundle kind 'forest' \(accepted: deep, classical, ensemble\)/,
    );
    writeFileSync(join(dir, 'emovox.json'), JSON.stringify(m));
    rmSync(join(dir, 'weights.bin'));
    await assert.rejects(
      loadBundleFromDir(dir),
      /weights file .*weights.bin listed in model.json is missing/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
