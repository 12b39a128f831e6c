import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { register } from '../../src/cli/commands/evaluate.js';
import { register as registerTrain } from '../../src/cli/commands/train.js';
import { initBackend } from '../../src/node/backend.js';
import { evaluateDeep } from '../../src/node/train/evaluate/deep.js';
import { trainModel } from '../../src/node/train/trainer.js';
import type { Utterance } from '../../src/node/datasets/types.js';
import { corpus, tiny } from '../helpers/tiny-deep.js';

/** The tiny corpus again under other paths and speakers (another "corpus"), plus one clip of a label the evaluation lacks. */
function otherCorpus(): { items: Utterance[]; signals: Map<string, Float32Array> } {
  const { items, signals } = corpus();
  const moved = items.map((u) => ({
    ...u,
    path: u.path.replace('/synthetic/', '/other/'),
    speaker: `o-${u.speaker}`,
    corpus: 'other',
  }));
  const out = new Map<string, Float32Array>(
    moved.map((u, i) => [u.path, Float32Array.from(signals.get(items[i].path)!, (v) => v * 0.8)]),
  );
  const fear = { ...moved[0], path: '/other/fear.wav', label: 'fear' as const, rawLabel: 'fear' };
  out.set(fear.path, signals.get(items[0].path)!);
  return { items: [...moved, fear], signals: out };
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => Float32Array.from(t.dataSync()));

test('a network trained from starting weights starts from them; weights of another network are refused', async () => {
  await initBackend('cpu');
  const { items, signals } = corpus();
  const base = { ...tiny.train, modelName: 'cnn', train: items, signals, average: false };
  const first = await trainModel({ ...base, epochs: 2 });
  const init = weightsOf(first.model);
  first.model.dispose();
  // A learning rate too small to move anything: the trainable weights stay those given.
  const again = await trainModel({ ...base, lr: 1e-12, initialWeights: init });
  const after = weightsOf(again.model);
  const names = again.model.weights.map((w) => w.name);
  again.model.dispose();
  const fresh = await trainModel({ ...base, lr: 1e-12 });
  const freshW = weightsOf(fresh.model);
  fresh.model.dispose();
  const kernel = names.findIndex((n) => n.includes('kernel'));
  assert.ok(kernel >= 0);
  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  assert.ok(maxDiff(after[kernel], init[kernel]) < 1e-6, 'the first kernel is the starting one');
  assert.ok(maxDiff(freshW[kernel], init[kernel]) > 1e-3, 'a fresh network differs (the test can fail)');
  await assert.rejects(
    trainModel({ ...base, initialWeights: init.slice(1) }),
    /starting weights do not fit this network \(\d+ arrays for \d+ weights\)/,
  );
  const wrong = init.map((w, i) => (i === kernel ? w.subarray(1) : w));
  await assert.rejects(trainModel({ ...base, initialWeights: wrong }), /has \d+ values, given \d+/);
});

test('evaluate with pretraining: folds start from a network trained on another corpus, the same in worker threads', async () => {
  await initBackend('cpu');
  const { items, signals } = corpus();
  const pretrain = { ...otherCorpus(), corpus: 'other' };
  const plain = await evaluateDeep(items, signals, tiny);
  const pre = await evaluateDeep(items, signals, { ...tiny, pretrain });
  const summary = pre.config.pretrain as {
    utterances: number;
    left: number;
    speakers: number;
    corpus: string;
  };
  // The fear clip is not among the evaluated labels: left out of the pretraining.
  assert.deepEqual(
    {
      utterances: summary.utterances,
      left: summary.left,
      speakers: summary.speakers,
      corpus: summary.corpus,
    },
    { utterances: 18, left: 1, speakers: 3, corpus: 'other' },
  );
  assert.equal(plain.config.pretrain, undefined);
  assert.notDeepEqual(
    pre.predictions.map((p) => p.probabilities),
    plain.predictions.map((p) => p.probabilities),
  );
  // Workers receive the pretrained weights: the same predictions as in this thread.
  const jobs = await evaluateDeep(items, signals, { ...tiny, pretrain, jobs: 2 });
  assert.deepEqual(
    jobs.predictions.map((p) => p.probabilities),
    pre.predictions.map((p) => p.probabilities),
  );
  // A clip of the evaluated corpus in the pretraining set is refused.
  const leak = { ...pretrain, items: [...pretrain.items, items[0]] };
  await assert.rejects(
    evaluateDeep(items, signals, { ...tiny, pretrain: leak }),
    /also in the target corpus/,
  );
});

test('emovox evaluate --pretrain is refused before any corpus is read where it cannot apply', async () => {
  const run = (args: string[]) => {
    const program = new Command().exitOverride();
    register(program);
    return program.parseAsync(['node', 'emovox', 'evaluate', ...args]);
  };
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '/nowhere', '--model', 'cnn', '--pretrain', 'ravdess,emodb']),
    /--pretrain ravdess,emodb includes emodb, the evaluated corpus/,
  );
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '/nowhere', '--model', 'svm', '--pretrain', 'ravdess']),
    /--pretrain trains networks first; no network among --model svm/,
  );
  await assert.rejects(
    run(['--protocol', 'loco', '--corpus', 'emodb,ravdess,ased', '--model', 'cnn', '--pretrain', 'ravdess']),
    /--pretrain is for --protocol loso or kfold/,
  );
});

test('emovox train --pretrain is refused for a classical model, with --config, and on the trained corpus', async () => {
  const run = (args: string[]) => {
    const program = new Command().exitOverride();
    registerTrain(program);
    return program.parseAsync(['node', 'emovox', 'train', '--out', '/nowhere/out', ...args]);
  };
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '/nowhere', '--model', 'svm', '--pretrain', 'ravdess']),
    /--pretrain trains a network first; svm is a classical model/,
  );
  await assert.rejects(
    run(['--config', 'configs/default.json', '--pretrain', 'ravdess']),
    /leave out --model, --corpus, --data and --pretrain/,
  );
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '/nowhere', '--model', 'cnn', '--pretrain', 'emodb']),
    /pretrain corpus emodb is also a training corpus/,
  );
});
