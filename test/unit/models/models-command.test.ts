import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { summariseModels } from '../../../src/cli/commands/models.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('emovox models lists every network with its input, parameters and FLOPs per second', () => {
  const rows = summariseModels(7, 2);
  assert.deepEqual(
    rows.map((r) => [r.name, r.input, r.inputShape]),
    [
      ['cnn2d-lstm', 'features', [200, 64, 1]],
      ['cnn1d-lstm', 'waveform', [32000, 1]],
      ['cnn', 'features', [200, 40, 1]],
    ],
  );
  assert.equal(rows[0].params, 458_567);
  for (const r of rows) assert.ok(r.flopsPerSecondOfAudio > 1e6, `${r.name}: ${r.flopsPerSecondOfAudio}`);
});
