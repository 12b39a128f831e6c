import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Matrix } from '../../../src/core/classical/matrix.js';
import { seededRng } from '../../../src/core/random.js';
import { makeFolds } from '../../../src/node/train/evaluate/cv.js';
import {
  evaluateClassical,
  evaluationJson,
  type EvalItem,
} from '../../../src/node/train/evaluate/evaluate.js';
import {
  EvaluationFileError,
  matchStoredEvaluation,
  readEvaluationFile,
  type CurrentRun,
} from '../../../src/node/train/evaluate/evaluation-file.js';
import { gaussian } from '../classical/synthetic.js';

/** 3 speakers x 2 emotions x 4 clips under `dir`, with separable features. */
function corpus(dir: string): { x: Matrix; items: EvalItem[] } {
  const rng = seededRng(5);
  const items: EvalItem[] = [];
  const rows: number[][] = [];
  for (let s = 0; s < 3; s++) {
    for (const [li, label] of ['anger', 'sadness'].entries()) {
      for (let k = 0; k < 4; k++) {
        items.push({ path: `${dir}/s${s}/${label}-${k}.wav`, speaker: `s${s}`, label });
        rows.push([li * 3 + gaussian(rng), gaussian(rng)]);
      }
    }
  }
  return { x: { data: Float64Array.from(rows.flat()), rows: rows.length, cols: 2 }, items };
}

function withFile(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-evalfile-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(items: EvalItem[], over: Partial<CurrentRun> = {}): CurrentRun {
  const protocol = over.protocol ?? 'loso';
  return {
    corpus: 'synthetic',
    protocol,
    seed: 1,
    dataDir: '/moved/corpus',
    items,
    plan: makeFolds(items, protocol, { k: 3, seed: over.seed ?? 1 }),
    ...over,
  };
}

test('a saved evaluation is read back with its per-utterance predictions, mapped to the corpus folder of this run', () => {
  withFile((dir) => {
    const old = corpus('/old/place');
    const e = evaluateClassical(old.x, old.items, {
      model: 'svm-linear',
      protocol: 'loso',
      corpus: 'synthetic',
      foldOptions: { seed: 1 },
    });
    const file = join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ ...evaluationJson(e), data: '/old/place', command: 'emovox ...' }));
    const [stored] = readEvaluationFile(file);
    const now = corpus('/moved/corpus');
    const back = matchStoredEvaluation(stored, run(now.items));
    assert.equal(back.model, 'svm-linear');
    assert.equal(back.uar, e.uar);
    assert.equal(back.source, file);
    assert.equal(back.predictions.length, now.items.length);
    assert.ok(back.predictions.every((p) => p.path.startsWith('/moved/corpus/')));
    assert.deepEqual(
      back.predictions.map((p) => p.probabilities),
      e.predictions.map((p) => p.probabilities),
    );
  });
});

test('files from another protocol, seed, set of utterances or fold split are refused with the reason', () => {
  withFile((dir) => {
    const { x, items } = corpus('/c');
    const e = evaluateClassical(x, items, {
      model: 'svm-linear',
      protocol: 'kfold',
      corpus: 'synthetic',
      foldOptions: { k: 3, seed: 1 },
    });
    const file = join(dir, 'k.json');
    writeFileSync(
      file,
      JSON.stringify({ protocol: 'kfold', corpus: 'synthetic', data: '/c', models: [evaluationJson(e)] }),
    );
    const [stored] = readEvaluationFile(file);
    const r = (over: Partial<CurrentRun>, list = items) =>
      matchStoredEvaluation(stored, run(list, { dataDir: '/c', protocol: 'kfold', ...over }));
    assert.equal(r({}).predictions.length, items.length);
    assert.throws(() => r({ protocol: 'loso' }), /used protocol kfold, this run loso/);
    assert.throws(() => r({ corpus: 'emodb' }), /evaluated on corpus synthetic, this run is on emodb/);
    assert.throws(() => r({ seed: 2 }), /made with --seed 1; run with --seed 1/);
    assert.throws(() => r({}, items.slice(1)), EvaluationFileError);
    // The same seed recorded nowhere, but another fold split: caught item by item.
    const unseeded = { ...stored, evaluation: { ...stored.evaluation, seed: undefined } };
    const plan = makeFolds(items, 'kfold', { k: 3, seed: 7 });
    assert.throws(
      () => matchStoredEvaluation(unseeded, { ...run(items, { dataDir: '/c', protocol: 'kfold' }), plan }),
      /not the same folds/,
    );
  });
});

test('an older file without predictions still fills a table row if its folds match; non-evaluations are named', () => {
  withFile((dir) => {
    const { x, items } = corpus('/c');
    const e = evaluateClassical(x, items, {
      model: 'rf',
      protocol: 'loso',
      corpus: 'synthetic',
      config: { rf: { nTrees: 10 } },
    });
    const { predictions: _, seed: __, ...old } = evaluationJson(e);
    const file = join(dir, 'old.json');
    writeFileSync(file, JSON.stringify(old));
    const back = matchStoredEvaluation(readEvaluationFile(file)[0], run(items, { dataDir: '/c' }));
    assert.equal(back.predictions.length, 0);
    assert.equal(back.wa, e.wa);
    writeFileSync(file, JSON.stringify({ hello: 1 }));
    assert.throws(
      () => readEvaluationFile(file),
      /is not an evaluation written by emovox evaluate --json: protocol/,
    );
    assert.throws(() => readEvaluationFile(join(dir, 'missing.json')), /cannot read evaluation file/);
  });
});
