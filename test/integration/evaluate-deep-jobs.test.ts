import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/node/backend.js';
import { evaluateDeep } from '../../src/node/train/evaluate/deep.js';
import { corpus, tiny } from '../helpers/tiny-deep.js';

test('folds run in 2 worker threads give exactly the pooled predictions of one thread', async () => {
  await initBackend('cpu');
  const { items, signals } = corpus();
  const serial = await evaluateDeep(items, signals, tiny);
  const order: number[] = [];
  const parallel = await evaluateDeep(items, signals, { ...tiny, jobs: 2, onFold: (_, i) => order.push(i) });
  assert.equal(parallel.predictions.length, items.length);
  assert.deepEqual(
    parallel.predictions.map((p) => [p.path, p.fold, p.predicted, p.probabilities]),
    serial.predictions.map((p) => [p.path, p.fold, p.predicted, p.probabilities]),
  );
  assert.deepEqual(
    parallel.folds.map((f) => f.name),
    serial.folds.map((f) => f.name),
  );
  assert.deepEqual([...order].sort(), [0, 1, 2]);
});

test('a worker error reaches the caller with its message and code', async () => {
  await initBackend('cpu');
  const { items, signals } = corpus();
  await assert.rejects(
    evaluateDeep(items, signals, { ...tiny, jobs: 2, train: { ...tiny.train, lr: -1 } }),
    (e: Error & { code?: string }) => e.code === 'BAD_TRAINING' && /lr/.test(e.message),
  );
});
