import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendTrial, claimFolder, readTrials, type TrialRecord } from '../../../src/node/train/tune/log.js';
import { formatTable, markdownTable, rankTrials } from '../../../src/node/train/tune/results.js';

function record(index: number, valUar: number | null, extra: Partial<TrialRecord> = {}): TrialRecord {
  return {
    index,
    key: `{"c":${index}}`,
    params: { c: index, speakerNorm: true },
    options: { c: index, speakerNorm: true },
    valUar,
    valWa: valUar,
    valLoss: valUar === null ? null : 1 - valUar,
    epochs: null,
    seconds: 1.5,
    finishedAt: '2026-11-26T12:00:00.000Z',
    ...extra,
  };
}

test('trials.jsonl: appended trials read back in order; a line cut short by a kill is dropped and cut off', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-tune-log-'));
  try {
    assert.deepEqual(readTrials(dir), []);
    appendTrial(dir, record(0, 0.5));
    appendTrial(dir, record(1, 0.7));
    appendFileSync(join(dir, 'trials.jsonl'), '{"index":2,"key":"{\\"c"');
    assert.deepEqual(
      readTrials(dir).map((r) => r.index),
      [0, 1],
    );
    appendTrial(dir, record(2, 0.6));
    assert.deepEqual(
      readTrials(dir).map((r) => r.index),
      [0, 1, 2],
    );
    assert.equal(readFileSync(join(dir, 'trials.jsonl'), 'utf8').split('\n').length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tune.json: the same search may change --trials; any other setting is refused by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-tune-claim-'));
  try {
    const s = {
      corpus: 'emodb',
      data: '/data/emodb',
      model: 'svm-linear',
      search: 'random',
      seed: 1,
      space: { c: { min: 0.001, max: 1, log: true } },
      excludeSpeakers: ['03'],
      inner: 'loso',
      valSpeakers: null,
      epochs: null,
      trials: 10,
    };
    claimFolder(dir, s);
    claimFolder(dir, { ...s, trials: 20 });
    assert.equal(JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8')).trials, 20);
    assert.throws(
      () => claimFolder(dir, { ...s, search: 'grid', excludeSpeakers: ['08'] }),
      /holds a different search: search \("random" there, "grid" now\), excludeSpeakers \(\["03"\] there, \["08"\] now\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('results are ranked by validation UAR, ties by WA then loss, failed trials last', () => {
  const ranked = rankTrials([
    record(0, 0.6),
    record(1, null, { error: 'loss became NaN at epoch 1; try a lower --lr' }),
    record(2, 0.8),
    record(3, 0.8, { valWa: 0.85 }),
    record(4, 0.8, { valLoss: 0.1 }),
  ]);
  assert.deepEqual(
    ranked.map((r) => r.index),
    [3, 4, 2, 0, 1],
  );
  const table = formatTable(ranked).split('\n');
  assert.match(table[0], /^rank\s+val UAR %\s+val WA %\s+val loss\s+epochs\s+seconds\s+c$/);
  assert.match(table[1], /^\s+1\s+80\.0\s+85\.0\s+0\.200\s+-\s+1\.5\s+3$/);
  assert.match(table[5], /^\s+5\s+failed\s+-\s+-\s+-\s+1\.5\s+1$/);
  assert.equal(markdownTable(ranked).split('\n').length, 7);
});
