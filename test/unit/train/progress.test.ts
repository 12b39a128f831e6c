import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, formatDuration, formatEpoch, runEta } from '../../../src/node/train/progress.js';

const entry = {
  epoch: 3,
  loss: 0.51234,
  acc: 0.8,
  valLoss: 0.9,
  valAcc: 0.5,
  valUar: 0.45,
  lr: 0.001,
  seconds: 12.3,
};

function fakeStream(isTTY: boolean) {
  let text = '';
  const stream = { isTTY, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

test('epoch lines show epoch, loss, accuracy, validation figures and time; ETA covers the remaining run', () => {
  assert.equal(
    formatEpoch(entry, 30),
    'epoch 3/30 loss 0.5123 acc 80.0% | val loss 0.9000 acc 50.0% uar 45.0% | lr 1.00e-3 | 12.3 s',
  );
  assert.equal(
    formatEpoch({ ...entry, valLoss: null, valAcc: null, valUar: null }, 30).includes('val'),
    false,
  );
  assert.equal(runEta(10, 20, 100), 200);
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(65), '1:05');
});

test('without a terminal only the epoch lines are written; --quiet writes nothing', () => {
  const plain = fakeStream(false);
  const p = createProgress({ stream: plain.stream });
  p.batch({ epoch: 1, epochs: 2, batch: 1, batches: 4, loss: 1, acc: 0.5 });
  p.epoch(entry, 30);
  p.stop();
  assert.equal(plain.text(), formatEpoch(entry, 30) + '\n');
  const quiet = fakeStream(true);
  const q = createProgress({ stream: quiet.stream, quiet: true });
  q.batch({ epoch: 1, epochs: 2, batch: 1, batches: 4, loss: 1, acc: 0.5 });
  q.epoch(entry, 30);
  assert.equal(quiet.text(), '');
});
