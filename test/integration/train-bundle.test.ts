import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Predictor } from '../../src/core/predict.js';
import { initBackend } from '../../src/node/backend.js';
import { loadBundleFromDir } from '../../src/node/bundle-io.js';
import { parseTrainConfig, readTrainConfig } from '../../src/node/train/bundle/config.js';
import { readCorpus } from '../../src/node/datasets/index.js';
import {
  gatherUtterances,
  memberCheckpointDir,
  trainBundle,
  utterancesTsv,
} from '../../src/node/train/bundle/train-bundle.js';
import { SMALL_DESCRIPTORS, speakerClip, writeToneCorpus } from '../helpers/tone-corpus.js';
import { seededRandom } from '../helpers/tones.js';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
let dir: string;
let corpus: string;

before(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'emovox-train-bundle-'));
  corpus = join(dir, 'corpus');
  writeToneCorpus(corpus, 3, 4);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A 1-epoch CNN member's trainer options (seconds to train). */
const tinyCnn = {
  modelName: 'cnn',
  epochs: 1,
  valSpeakers: 0,
  augment: { copies: 0 },
  featureConfig: { kind: 'logmel', nMels: 16 },
  modelConfig: { inputSeconds: 1 },
};

const classicalMember = {
  kind: 'classical',
  model: 'svm-linear',
  speakerAdaptive: true,
  minSpeakerUtterances: 3,
  descriptors: SMALL_DESCRIPTORS,
};

/** An `emovox evaluate --json` document shaped like the real one (figures made up for the card test). */
function evaluationDoc(speakerNorm: boolean, uar: number): object {
  return {
    protocol: 'loso',
    corpus: 'folder',
    model: 'svm-linear',
    uar,
    wa: uar + 0.01,
    macroF1: uar - 0.01,
    confusion: {
      labels: ['a', 'b'],
      matrix: [
        [3, 1],
        [0, 4],
      ],
    },
    speakerNorm,
    tuned: false,
    config: { protocolDescription: 'leave-one-speaker-out, 3 folds' },
    command: `emovox evaluate --corpus folder --model svm-linear${speakerNorm ? ' --speaker-norm' : ''}`,
  };
}

test('train --config: an ensemble of a speaker-adaptive classical member and a 1-epoch deep member, card from the evaluation files', async () => {
  const out = join(dir, 'ens');
  const evalA = join(out, 'loso.json'); // inside the bundle folder: must survive the rewrite
  const evalB = join(dir, 'loso-norm.json');
  const config = parseTrainConfig({
    title: 'Tone model',
    corpora: [{ kind: 'folder', data: corpus, name: 'Synthetic tones', licence: 'made by the test' }],
    labels: ['neutral', 'sadness'],
    members: [
      { ...classicalMember, weight: 1 },
      { kind: 'deep', weight: 1, train: tinyCnn },
    ],
    evaluation: [evalA, evalB],
  });
  const lines: string[] = [];
  const opts = {
    out,
    command: 'emovox train --config tones.json',
    log: (l: string) => lines.push(l),
    cacheDir: null,
  };
  await trainBundle(config, opts); // first run: the evaluation files do not exist yet
  assert.match(
    readFileSync(join(out, 'MODEL_CARD.md'), 'utf8'),
    /No evaluation figures: `.*loso\.json` does not exist/,
  );
  writeFileSync(evalA, JSON.stringify(evaluationDoc(false, 0.612)));
  writeFileSync(evalB, JSON.stringify(evaluationDoc(true, 0.734)));
  const r = await trainBundle(config, { ...opts, now: () => new Date('2026-11-26T12:00:00Z') });

  assert.equal(r.kind, 'ensemble');
  assert.deepEqual(r.labels, ['neutral', 'sadness']);
  assert.ok(
    lines.some((l) =>
      /24 utterances of 3 speakers used; left out \(label not in the set\): happiness 12/.test(l),
    ),
  );
  assert.ok(existsSync(evalA), 'the evaluation file inside the bundle folder is kept');
  assert.ok(
    !existsSync(memberCheckpointDir(out, 'deep')),
    'the deep checkpoint is removed once the bundle is written',
  );
  const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
  assert.match(
    card,
    /\| svm-linear \| no \(what a single clip gets\) \| loso on folder \| 61\.2 \| 62\.2 \| 60\.2 \|/,
  );
  assert.match(
    card,
    /\| svm-linear \| yes \(needs several clips of the speaker\) \| loso on folder \| 73\.4 \|/,
  );
  assert.match(card, /emovox evaluate --corpus folder --model svm-linear --speaker-norm/);
  assert.match(card, /Synthetic tones: made by the test/);
  assert.match(card, /Trained on 2026-11-26 with:\n\n {4}emovox train --config tones\.json/);
  assert.match(card, /profile of at least 3\s+clips/);

  const bundle = await loadBundleFromDir(out);
  assert.equal(bundle.manifest.card, card);
  const p = Predictor.fromBundle(bundle);
  assert.equal(p.kind, 'ensemble');
  assert.deepEqual(p.labels, ['neutral', 'sadness']);
  assert.equal(p.minSpeakerUtterances, 3);
  const pred = await p.predict(speakerClip(0, 0, seededRandom(4), 1.2));
  assert.ok(Math.abs(pred.probabilities.neutral + pred.probabilities.sadness - 1) < 1e-5);
});

test('npm run train:default path: the script trains each config into its folder (classical only here)', () => {
  const config = join(dir, 'classical.json');
  writeFileSync(
    config,
    JSON.stringify({ corpora: [{ kind: 'folder', data: corpus }], members: [classicalMember] }),
  );
  const out = join(dir, 'classical-bundle');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/train-default.mjs'), '--pair', `${config}:${out}`, '--', '--no-cache', '--quiet'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const manifest = JSON.parse(readFileSync(join(out, 'emovox.json'), 'utf8'));
  assert.equal(manifest.kind, 'classical');
  assert.equal(manifest.classical.speakerAdaptive, true);
  assert.match(manifest.card, /No evaluation file is named in the training config/);
  assert.match(readFileSync(join(out, 'MODEL_CARD.md'), 'utf8'), /## Licence of the training data/);

  // predict --speaker-by dir: every file of a speaker folder is adapted (4 clips >= 3).
  const pr = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'predict',
      '--model',
      out,
      '--json',
      '--speaker-by',
      'dir',
      join(corpus, 'sadness/s2'),
      join(corpus, 'happiness/s1/0.wav'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(pr.status, 0, pr.stderr);
  const rows = pr.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 5);
  for (const row of rows.slice(0, 4)) {
    assert.equal(row.speaker, 's2');
    assert.deepEqual(row.adaptation, { speakerUtterances: 4, adapted: true });
  }
  assert.deepEqual(rows[4].adaptation, { speakerUtterances: 1, adapted: false });
});

test('an interrupted deep member resumes from its checkpoint with --resume', async () => {
  const out = join(dir, 'deep-only');
  const config = parseTrainConfig({
    corpora: [{ kind: 'folder', data: corpus }],
    members: [{ kind: 'deep', train: { ...tinyCnn, epochs: 2 } }],
  });
  const base = { out, command: 'emovox train', cacheDir: null };
  await assert.rejects(
    trainBundle(config, {
      ...base,
      onEpoch: (_m, e) => {
        if (e.epoch === 2) throw new Error('killed');
      },
    }),
    /killed/,
  );
  assert.ok(existsSync(memberCheckpointDir(out, 'deep')));
  const lines: string[] = [];
  const r = await trainBundle(config, { ...base, resume: true, log: (l) => lines.push(l) });
  assert.equal(r.kind, 'deep');
  assert.ok(lines.some((l) => /deep: resuming after epoch 1 from /.test(l)));
  const m = JSON.parse(readFileSync(join(out, 'emovox.json'), 'utf8'));
  assert.deepEqual(
    m.history.map((h: { epoch: number }) => h.epoch),
    [1, 2],
  );
});

test('a deep member pretrained on another corpus: the card says so, a shared corpus is refused, checkpoints removed', async () => {
  const other = join(dir, 'other');
  writeToneCorpus(other, 2, 2, 11);
  const out = join(dir, 'pretrained');
  const deep = { kind: 'deep', train: tinyCnn };
  const config = parseTrainConfig({
    corpora: [{ kind: 'folder', data: corpus }],
    members: [{ ...deep, pretrain: [{ kind: 'folder', data: other }] }],
  });
  const lines: string[] = [];
  await trainBundle(config, { out, command: 'emovox train', cacheDir: null, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /deep: pretraining cnn on folder \(12 utterances\)/.test(l)));
  const card = readFileSync(join(out, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /started from a network pretrained on folder \(12 clips of these labels, 1 epochs\)/);
  assert.ok(!existsSync(memberCheckpointDir(out, 'deep.pretrain')), 'the pretraining checkpoint is removed');
  const bundle = await loadBundleFromDir(out);
  const p = await Predictor.fromBundle(bundle).predict(speakerClip(0, 0, seededRandom(3)));
  assert.ok(bundle.manifest.labels.includes(p.label));
  assert.throws(
    () =>
      parseTrainConfig({
        corpora: [{ kind: 'folder', data: corpus }],
        members: [{ ...deep, pretrain: [{ kind: 'folder', data: corpus }] }],
      }),
    /member deep: pretrain corpus folder is also a training corpus/,
  );
});

test('several corpora: speakers prefixed by corpus, label set applied; the TSV evaluates the same utterances', async () => {
  const second = join(dir, 'corpus2');
  writeToneCorpus(second, 2, 2, 9);
  const config = parseTrainConfig({
    corpora: [
      { kind: 'folder', data: corpus },
      { kind: 'manifest', data: join(dir, 'corpus2.tsv') },
    ],
    labels: ['sadness', 'happiness'],
    members: [classicalMember],
  });
  // The second corpus as a manifest with its own speaker ids s1, s2 (clashing with the first corpus).
  const own = (await readCorpus('folder', second)).utterances;
  writeFileSync(join(dir, 'corpus2.tsv'), utterancesTsv(own));
  const g = await gatherUtterances(config);
  assert.equal(g.utterances.length, 3 * 2 * 4 + 2 * 2 * 2);
  assert.deepEqual([...new Set(g.utterances.map((u) => u.speaker))].sort(), [
    'folder:s1',
    'folder:s2',
    'folder:s3',
    'manifest:s1',
    'manifest:s2',
  ]);
  const tsv = join(dir, 'combined.tsv');
  writeFileSync(tsv, utterancesTsv(g.utterances));
  const back = await readCorpus('manifest', tsv);
  assert.equal(back.problems.length, 0);
  assert.deepEqual(
    back.utterances.map((u) => [u.path, u.label, u.speaker]),
    g.utterances.map((u) => [u.path, u.label, u.speaker]),
  );
});

test('bad configs are refused with the field and the accepted values', () => {
  assert.throws(
    () =>
      parseTrainConfig({
        corpora: [{ kind: 'folder', data: 'x' }],
        labels: ['joy', 'anger'],
        members: [classicalMember],
      }),
    /unknown label\(s\) joy \(accepted: neutral, /,
  );
  assert.throws(
    () => parseTrainConfig({ corpora: [], members: [{ kind: 'classical', model: 'svm-cubic' }] }),
    /corpora: .*members\.0\.model: /,
  );
  assert.throws(
    () =>
      parseTrainConfig({ corpora: [{ kind: 'folder', data: 'x' }], members: [{ kind: 'deep', train: {} }] }),
    /train\.modelName is required/,
  );
  assert.throws(
    () =>
      parseTrainConfig({
        corpora: [{ kind: 'folder', data: 'x' }],
        members: [{ kind: 'deep', name: 'net', train: { modelName: 'cnn', epochs: -1 } }],
      }),
    /member net: invalid training options: epochs: /,
  );
  const folder = [{ kind: 'folder', data: 'x' }];
  assert.throws(
    () => parseTrainConfig({ corpora: folder, members: [{ kind: 'classical', model: 'mlp', cGrid: [0.1] }] }),
    /model mlp has no C: give weightDecayGrid instead of cGrid/,
  );
  assert.throws(
    () => parseTrainConfig({ corpora: folder, members: [{ kind: 'classical', model: 'mlp', c: 1 }] }),
    /model mlp has no C, gamma or trees: its penalty is the weight decay/,
  );
  assert.throws(
    () =>
      parseTrainConfig({
        corpora: folder,
        members: [{ kind: 'classical', model: 'logistic', weightDecayGrid: [1] }],
      }),
    /mlp and weightDecayGrid need model mlp/,
  );
  assert.throws(
    () =>
      parseTrainConfig({
        corpora: folder,
        members: [{ kind: 'classical', model: 'mlp', mlp: { dropout: 1 } }],
      }),
    /dropout/,
  );
  assert.throws(
    () =>
      parseTrainConfig({
        corpora: folder,
        members: [{ kind: 'classical', model: 'rf', corpusWeight: true }],
      }),
    /corpusWeight needs model logistic or mlp/,
  );
  assert.throws(
    () =>
      parseTrainConfig({
        corpora: folder,
        members: [{ kind: 'classical', model: 'mlp', weightDecayGrid: [1, 3] }],
      }),
    /cGrid and weightDecayGrid need at least 3 corpora/,
  );
  for (const f of ['configs/default.json', 'configs/emodb-ravdess.json']) {
    assert.doesNotThrow(() => readTrainConfig(join(ROOT, f)), f);
  }
});
