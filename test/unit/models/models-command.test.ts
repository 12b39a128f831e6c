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

test('the models command prints each network with its default epochs, and nothing on stderr', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'models'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^cnn2d-lstm +features \[300, 64, 1\]\n +458,567 params .* trains 60 epochs by default$/m,
  );
  assert.match(r.stdout, /^cnn +features .*\n .* trains 30 epochs by default$/m);
  assert.equal(r.stderr, '', 'no backend advert or warning');
});
