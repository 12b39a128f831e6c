import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { seededRng } from '../../src/core/random.js';
import { register } from '../../src/cli/commands/evaluate.js';
import { encodeWav16 } from '../helpers/wav-file.js';

/**
 * Synthetic "emotions" with the cues real ones have: anger loud, high and bright; sadness quiet,
 * low and dull; neutral in between. Each speaker has its own pitch offset.
 */
function clip(label: string, speaker: number, k: number): Float32Array {
  const rng = seededRng(speaker * 100 + k + 1);
  const sr = 16000;
  const x = new Float32Array(sr * 0.8);
  const f0 =
    { anger: 240, sadness: 120, neutral: 170 }[label]! * (1 + 0.06 * speaker) * (1 + 0.03 * (rng() - 0.5));
  const amp = { anger: 0.6, sadness: 0.1, neutral: 0.3 }[label]!;
  const harmonics = { anger: 8, sadness: 2, neutral: 4 }[label]!;
  for (let i = 0; i < x.length; i++) {
    const t = i / sr;
    let v = 0;
    for (let h = 1; h <= harmonics; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    x[i] = amp * 0.5 * v * Math.sin((Math.PI * i) / x.length) + 0.003 * (rng() - 0.5);
  }
  return x;
}

/** `emovox evaluate ARGS` in a child process (the tsx loader), stdout and stderr as text. */
function evaluateCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'evaluate', ...args], {
    encoding: 'utf8',
  });
}

/** Three speakers x anger, sadness, neutral x `takes` clips in DIR, listed in DIR/manifest.tsv. */
function writeManifestCorpus(dir: string, takes: number): void {
  const lines = ['file\tspeaker\tlabel'];
  for (let s = 0; s < 3; s++) {
    for (const label of ['anger', 'sadness', 'neutral']) {
      for (let k = 0; k < takes; k++) {
        const name = `s${s}_${label}_${k}.wav`;
        writeFileSync(join(dir, name), encodeWav16(clip(label, s, k)));
        lines.push(`${name}\tspk${s}\t${label}`);
      }
    }
  }
  writeFileSync(join(dir, 'manifest.tsv'), `${lines.join('\n')}\n`);
}

test('emovox evaluate runs LOSO on a small corpus, prints the summary and writes JSON and a report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-eval-'));
  try {
    writeManifestCorpus(dir, 4);
    const json = join(dir, 'out', 'eval.json');
    const report = join(dir, 'out', 'report.html');
    const r = evaluateCli([
      '--corpus',
      'manifest',
      '--data',
      dir,
      '--model',
      'svm,rf',
      '--trees',
      '50',
      '--no-cache',
      '--json',
      json,
      '--report',
      report,
      '--quiet',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /protocol loso: leave-one-speaker-out/);
    assert.match(r.stdout, /UAR \d+\.\d %\s+WA \d+\.\d %\s+macro-F1 \d+\.\d %/);
    assert.match(r.stdout, /true \\ predicted/);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(doc.protocol, 'loso');
    assert.equal(doc.models.length, 2);
    const svm = doc.models[0];
    for (const key of ['protocol', 'corpus', 'model', 'uar', 'wa', 'macroF1', 'confusion', 'folds'])
      assert.ok(key in svm, key);
    assert.deepEqual(svm.confusion.labels, ['neutral', 'sadness', 'anger']); // canonical order
    assert.equal(svm.folds.length, 3);
    const pooled = svm.confusion.matrix.flat().reduce((a: number, b: number) => a + b, 0);
    assert.equal(pooled, 36);
    assert.ok(svm.uar > 0.8, `svm UAR ${svm.uar} on clearly separable synthetic emotions`);
    const html = readFileSync(report, 'utf8');
    assert.doesNotMatch(html, /https?:\/\//);
    assert.match(html, /class="confusion"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('emovox evaluate --channel under LOSO: the test clips pass through each condition, one column each, training stays studio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-eval-channel-'));
  try {
    writeManifestCorpus(dir, 3);
    const cli = (extra: string[], json: string) =>
      evaluateCli([
        '--corpus',
        'manifest',
        '--data',
        dir,
        '--model',
        'svm-linear',
        '--cache-dir',
        join(dir, 'cache'),
        '--json',
        json,
        '--quiet',
        ...extra,
      ]);
    const plain = cli([], join(dir, 'plain.json'));
    assert.equal(plain.status, 0, plain.stderr);
    const r = cli(['--channel', 'studio,telephone,reverb-1s'], join(dir, 'channels.json'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /test clips through each channel condition, training clips studio/);
    assert.match(r.stdout, /model\s+studio UAR %\s+telephone UAR %\s+reverb-1s UAR %/);
    const doc = JSON.parse(readFileSync(join(dir, 'channels.json'), 'utf8'));
    assert.deepEqual(doc.channels, ['studio', 'telephone', 'reverb-1s']);
    const [studio, phone, room] = doc.models[0].conditions;
    // The studio column is exactly the evaluation without --channel.
    const before = JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8'));
    assert.deepEqual(
      studio.predictions.map((p: { probabilities: number[] }) => p.probabilities),
      before.predictions.map((p: { probabilities: number[] }) => p.probabilities),
    );
    assert.equal(studio.uar, before.uar);
    // Every fold trains on the same studio rows, so only the test clips differ: the phone line
    // and the room change the test descriptors and so the probabilities, same folds and items.
    for (const c of [phone, room]) {
      assert.equal(c.predictions.length, 27);
      assert.deepEqual(
        c.folds.map((f: { nTrain: number }) => f.nTrain),
        studio.folds.map((f: { nTrain: number }) => f.nTrain),
      );
      assert.notDeepEqual(
        c.predictions.map((p: { probabilities: number[] }) => p.probabilities),
        studio.predictions.map((p: { probabilities: number[] }) => p.probabilities),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('emovox evaluate names a bad model with a user-facing error', async () => {
  const program = new Command().exitOverride();
  register(program);
  await assert.rejects(
    program.parseAsync(['node', 'emovox', 'evaluate', '--corpus', 'emodb', '--data', '.', '--model', 'svn']),
    (e: Error & { code?: string }) =>
      e.code === 'BAD_EVALUATION' && /unknown model 'svn' \(accepted: svm, svm-linear, rf/.test(e.message),
  );
});

test('emovox evaluate: leave-one-corpus-out options are checked before any corpus is read', async () => {
  const run = (args: string[]) => {
    const program = new Command().exitOverride();
    register(program);
    return program.parseAsync(['node', 'emovox', 'evaluate', ...args]);
  };
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '.', '--channel', 'telephone', '--model', 'svm,cnn']),
    /--channel with --protocol loso evaluates classical models .* one by one; not cnn/,
  );
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '.', '--channel', 'studio,phone']),
    /unknown channel step 'phone'/,
  );
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '.', '--augment', '1']),
    /--augment is available with --protocol loco only/,
  );
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '.', '--augment-noise', '1']),
    /--augment-noise is available with --protocol loco only/,
  );
  await assert.rejects(
    run(['--corpus', 'emodb', '--data', '.', '--augment-speed', '1']),
    /--augment-speed is available with --protocol loco only/,
  );
  await assert.rejects(
    run(['--protocol', 'loco', '--corpus', 'emodb,ravdess', '--channel', 'studio']),
    /needs at least 3 corpora/,
  );
  await assert.rejects(
    run(['--protocol', 'loco', '--corpus', 'emodb,ravdess,ased', '--channel', 'studio,phone']),
    /unknown channel step 'phone' \(accepted: studio, telephone/,
  );
  await assert.rejects(
    run(['--protocol', 'loco', '--corpus', 'emodb,ravdess,ased', '--model', 'svm', '--corpus-weight']),
    /--corpus-weight needs --model logistic/,
  );
});

test('emovox evaluate --mlp-options reaches the descriptor MLP (the baseline swap gets each speaker), and bad options are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-eval-mlp-'));
  try {
    writeManifestCorpus(dir, 3);
    const json = join(dir, 'eval.json');
    const args = ['--corpus', 'manifest', '--data', dir, '--model', 'mlp', '--no-cache', '--quiet'];
    const r = evaluateCli([
      ...args,
      '--mlp-options',
      '{"baselineSwap":1,"members":1,"epochs":15}',
      '--json',
      json,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(doc.uar > 0.8, `mlp UAR ${doc.uar}`);
    assert.equal(doc.config.mlp.baselineSwap, 1);
    assert.equal(doc.config.mlp.members, 1);
    assert.match(doc.command, /--mlp-options/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const run = (args: string[]) => {
    const program = new Command().exitOverride();
    register(program);
    return program.parseAsync(['node', 'emovox', 'evaluate', '--corpus', 'emodb', '--data', '.', ...args]);
  };
  await assert.rejects(
    run(['--model', 'svm', '--mlp-options', '{"baselineSwap":1}']),
    /--mlp-options applies to the mlp model; --model is svm/,
  );
  await assert.rejects(
    run(['--model', 'mlp', '--mlp-options', '{"swap":1}']),
    /Unrecognized key: "swap" \(accepted: hidden, .*baselineSwap\)/,
  );
  await assert.rejects(run(['--model', 'mlp', '--mlp-options', '{swap']), /takes a JSON object/);
  await assert.rejects(
    run(['--model', 'mlp', '--mlp-options', '{"adversary":1,"adversaryOf":"corpus"}']),
    /a corpus adversary \(adversaryOf corpus\) needs --protocol loco/,
  );
});
