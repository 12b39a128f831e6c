import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadCheckpoint,
  removeCheckpoint,
  runFingerprint,
  saveCheckpoint,
} from '../../../src/node/train/checkpoint.js';
import type { TrainSnapshot } from '../../../src/node/train/trainer.js';

test('a checkpoint restores weights, optimizer state, RNG state and history; another run cannot resume it', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'emovox-ckpt-')), 'run.checkpoint');
  try {
    const fp = runFingerprint({ options: { epochs: 3 }, files: ['a.wav'] });
    assert.equal(await loadCheckpoint(dir, fp), null);
    const snap: TrainSnapshot = {
      epoch: 2,
      history: [
        { epoch: 1, loss: 1, acc: 0.5, valLoss: 1.1, valAcc: 0.4, valUar: 0.4, lr: 0.001 },
        { epoch: 2, loss: 0.8, acc: 0.6, valLoss: 1.2, valAcc: 0.4, valUar: 0.35, lr: 0.0005 },
      ],
      rngState: 123456789,
      badEpochs: 1,
      bestEpoch: 1,
      bestValLoss: 1.1,
      modelWeights: [tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor1d([5])],
      bestWeights: [tf.tensor2d([0, 1, 0, 1], [2, 2]), tf.tensor1d([7])],
      optimizerWeights: [
        { name: 'iter', tensor: tf.scalar(10, 'int32') },
        { name: 'dense/kernel/m', tensor: tf.tensor1d([0.5, -0.5]) },
      ],
    };
    await saveCheckpoint(dir, fp, snap);
    const r = (await loadCheckpoint(dir, fp))!;
    assert.equal(r.epoch, 2);
    assert.deepEqual(r.history, snap.history);
    assert.equal(r.rngState, 123456789);
    assert.deepEqual([r.badEpochs, r.bestEpoch, r.bestValLoss], [1, 1, 1.1]);
    assert.deepEqual(r.modelWeights[0].arraySync(), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(r.bestWeights![1].arraySync(), [7]);
    assert.deepEqual(
      r.optimizerWeights.map((w) => [w.name, w.tensor.arraySync()]),
      [
        ['iter', 10],
        ['dense/kernel/m', [0.5, -0.5]],
      ],
    );
    await assert.rejects(
      loadCheckpoint(dir, runFingerprint({ options: { epochs: 4 }, files: ['a.wav'] })),
      /belongs to a run with different options or data/,
    );
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('removing a checkpoint also removes what a run killed mid-save left beside it, and nothing else', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-ckpt-'));
  try {
    for (const d of ['deep', 'deep.tmp-abc123', 'deep.old-42-1700000000000', 'deep2', 'other.tmp-x'])
      mkdirSync(join(root, d));
    await removeCheckpoint(join(root, 'deep'));
    assert.deepEqual(readdirSync(root).sort(), ['deep2', 'other.tmp-x']);
    await removeCheckpoint(join(root, 'absent', 'deep')); // no folder: nothing to do, no error
    assert.ok(existsSync(join(root, 'deep2')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
