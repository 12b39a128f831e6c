import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnsembleError, ensembleLoco } from '../../../src/node/train/evaluate/ensemble.js';
import { scoreCondition, type LocoEvaluation } from '../../../src/node/train/evaluate/loco.js';
import { readLocoFile } from '../../../src/cli/commands/evaluate-loco.js';

/**
 * A LOCO evaluation of two held-out corpora (four clips each: anger, anger, sadness, sadness),
 * per-clip probabilities over `labels` for each condition, as `emovox evaluate --json` writes.
 */
function locoFile(
  model: string,
  labels: string[],
  probs: Record<string, Record<string, number>[]>,
  order: (paths: string[]) => string[] = (p) => p,
): LocoEvaluation {
  const truthOf = (p: string) => (p.endsWith('0.wav') || p.endsWith('1.wav') ? 'anger' : 'sadness');
  const results = ['emodb', 'ravdess'].map((heldOut) => {
    const paths = order([0, 1, 2, 3].map((i) => `/${heldOut}/${i}.wav`));
    const truth = paths.map(truthOf);
    return {
      heldOut,
      trainCorpora: ['emodb', 'ravdess', 'ased'].filter((c) => c !== heldOut),
      nTrain: 8,
      labels,
      chosen: 'default',
      innerUar: null,
      temperature: null,
      uncertainBelow: null,
      uniformShare: null,
      seconds: 1,
      paths,
      truth,
      conditions: Object.entries(probs).map(([condition, rows]) => {
        // rows are given in clip order 0..3; stored in this file's path order
        const p = paths.map((path) => labels.map((l) => rows[Number(path.slice(-5, -4))][l]));
        return scoreCondition(
          condition,
          p,
          truth.map((t) => labels.indexOf(t)),
          labels,
          null,
          { keepPredictions: true },
        );
      }),
    };
  });
  const meanUar = Object.fromEntries(
    Object.keys(probs).map((c) => [
      c,
      results.reduce((a, r) => a + r.conditions.find((x) => x.condition === c)!.uar, 0) / 2,
    ]),
  );
  return { model, protocol: 'loco', corpora: ['emodb', 'ravdess'], results, meanUar, config: {}, seconds: 2 };
}

const A = (anger: number) => ({ anger, sadness: 1 - anger });
// Member 1 is right on clips 0 and 2 only; member 2 is right on 1 and 3, and sure of it.
const one = {
  studio: [A(0.8), A(0.4), A(0.3), A(0.6)],
  telephone: [A(0.6), A(0.4), A(0.4), A(0.6)],
};
const two = {
  studio: [A(0.1), A(0.9), A(0.6), A(0.1)],
  telephone: [A(0.5), A(0.5), A(0.5), A(0.5)],
  codec: [A(0.5), A(0.5), A(0.5), A(0.5)],
};

test('a LOCO ensemble averages the members per held-out corpus and condition, matching clips by path and labels by name', () => {
  const m1 = locoFile('logistic', ['anger', 'sadness'], one);
  // Member 2 orders its labels and clips differently and has a condition the other lacks.
  const m2 = locoFile('cnn2d-lstm', ['sadness', 'anger'], two, (p) => [...p].reverse());
  assert.equal(m1.meanUar.studio, 0.5);
  assert.equal(m2.meanUar.studio, 0.5);
  const e = ensembleLoco([m1, m2]);
  assert.equal(e.model, 'logistic+cnn2d-lstm');
  assert.deepEqual(Object.keys(e.meanUar), ['studio', 'telephone'], 'only the conditions both have');
  for (const r of e.results) {
    const studio = r.conditions[0];
    // Means of anger: 0.45, 0.65, 0.45, 0.35 -> sadness, anger, sadness, sadness.
    assert.deepEqual(
      studio.probabilities!.map((p) => p[0]),
      [0.45, 0.65, 0.45, 0.35],
    );
    assert.deepEqual(studio.confusion.matrix, [
      [1, 1],
      [0, 2],
    ]);
    assert.equal(studio.uar, 0.75);
  }
  assert.equal(e.meanUar.studio, 0.75);
  // Fixed weights: 3 to 1 for the first member follows it.
  const w = ensembleLoco([m1, m2], [3, 1]);
  assert.equal(w.meanUar.studio, 1);
});

test('LOCO ensembles refuse members that cannot be matched', () => {
  const m1 = locoFile('logistic', ['anger', 'sadness'], one);
  const old = structuredClone(m1);
  for (const r of old.results) {
    delete r.paths;
    for (const c of r.conditions) delete c.probabilities;
  }
  assert.throws(
    () => ensembleLoco([locoFile('x', ['anger', 'sadness'], two), old]),
    /no per-clip probabilities/,
  );
  const other = locoFile('y', ['anger', 'sadness'], two);
  other.results[1].paths![0] = '/ravdess/elsewhere.wav';
  assert.throws(() => ensembleLoco([m1, other]), /y has no prediction for \/ravdess\/0\.wav/);
  assert.throws(() => ensembleLoco([m1]), EnsembleError);
  assert.throws(() => ensembleLoco([m1, m1], [1]), /2 members but 1 weights/);
});

/** `emovox evaluate --protocol loco --corpus emodb,ravdess ARGS` in a child process. */
const locoCli = (args: string[]) =>
  spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'evaluate',
      '--protocol',
      'loco',
      '--corpus',
      'emodb,ravdess',
      ...args,
    ],
    { encoding: 'utf8' },
  );

test('emovox evaluate --protocol loco combines two --json files into an ensemble row (NAME@FILE for a member named twice)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-loco-ens-'));
  try {
    writeFileSync(join(dir, 'a.json'), JSON.stringify(locoFile('logistic', ['anger', 'sadness'], one)));
    writeFileSync(
      join(dir, 'b.json'),
      JSON.stringify(locoFile('cnn2d-lstm', ['sadness', 'anger'], two, (p) => [...p].reverse())),
    );
    const out = join(dir, 'ens.json');
    const r = locoCli([
      '--model',
      `logistic@${join(dir, 'a.json')}+cnn2d-lstm@${join(dir, 'b.json')}`,
      '--json',
      out,
      '--quiet',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /mean\s+75\.0\s+/);
    const [e] = readLocoFile(out);
    assert.equal(e.model, `logistic@${join(dir, 'a.json')}+cnn2d-lstm@${join(dir, 'b.json')}`);
    assert.equal(e.meanUar.studio, 0.75);
    // --from-json: the second file's logistic is logistic@a2.
    writeFileSync(join(dir, 'a2.json'), readFileSync(join(dir, 'a.json')));
    const r2 = locoCli([
      '--from-json',
      `${join(dir, 'a.json')},${join(dir, 'a2.json')},${join(dir, 'b.json')}`,
      '--model',
      'logistic@a2+cnn2d-lstm',
      '--quiet',
    ]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stdout, /logistic@a2\+cnn2d-lstm\s+75\.0\s+75\.0\s+75\.0/);
    const bad = locoCli(['--model', 'logistic+cnn2d-lstm']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /logistic is not in the --from-json files .* NAME@FILE/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
