import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/node/backend.js';
import { evaluateDeep } from '../../src/node/train/evaluate/deep.js';
import { corpus, tiny } from '../helpers/tiny-deep.js';

test('with --speaker-norm a deep model does not see a per-speaker gain (train, validation and test speakers)', async () => {
  await initBackend('cpu');
  const { items, signals } = corpus();
  const quieter = new Map([...signals].map(([p, x]) => [p, p.includes('/s1-') ? x.map((v) => v * 0.5) : x]));
  // One training speaker validates, so validation speakers are normalised too.
  const withVal = { ...tiny, train: { ...tiny.train, valSpeakers: 1 } };
  const a = await evaluateDeep(items, signals, { ...withVal, speakerNorm: true });
  const b = await evaluateDeep(items, quieter, { ...withVal, speakerNorm: true });
  assert.equal(a.speakerNorm, true);
  a.predictions.forEach((p, i) =>
    p.probabilities.forEach((v, j) => assert.ok(Math.abs(v - b.predictions[i].probabilities[j]) < 2e-3)),
  );
  // Without it the gain reaches the network (a check that the test can fail).
  const c = await evaluateDeep(items, signals, withVal);
  const d = await evaluateDeep(items, quieter, withVal);
  const diff = c.predictions.reduce(
    (s, p, i) =>
      s + p.probabilities.reduce((t, v, j) => t + Math.abs(v - d.predictions[i].probabilities[j]), 0),
    0,
  );
  assert.ok(diff > 0.01, `difference without speaker norm ${diff}`);
  await assert.rejects(
    evaluateDeep(items, signals, { ...tiny, model: 'cnn1d-lstm', speakerNorm: true }),
    /raw waveform/,
  );
});
