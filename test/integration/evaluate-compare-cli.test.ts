import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { seededRng } from '../../src/core/random.js';
import { register } from '../../src/cli/commands/evaluate.js';
import { encodeWav16 } from '../helpers/wav-file.js';
import { tiny } from '../helpers/tiny-deep.js';

/** Anger loud, high and bright; sadness quiet, low and dull; neutral between; a pitch offset per speaker. */
function clip(label: string, speaker: number, k: number): Float32Array {
  const rng = seededRng(speaker * 100 + k + 1);
  const x = new Float32Array(16000 * 0.7);
  const f0 = { anger: 240, sadness: 120, neutral: 170 }[label]! * (1 + 0.06 * speaker) * (1 + 0.03 * rng());
  const amp = { anger: 0.6, sadness: 0.1, neutral: 0.3 }[label]!;
  const harmonics = { anger: 8, sadness: 2, neutral: 4 }[label]!;
  for (let i = 0; i < x.length; i++) {
    let v = 0;
    for (let h = 1; h <= harmonics; h++) v += Math.sin((2 * Math.PI * f0 * h * i) / 16000) / h;
    x[i] = amp * 0.5 * v * Math.sin((Math.PI * i) / x.length) + 0.003 * (rng() - 0.5);
  }
  return x;
}

/** Runs `emovox evaluate ...args` in this process; returns what it printed on stdout. */
async function evaluate(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'emovox', 'evaluate', ...args, '--quiet']);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

const TINY_CNN = JSON.stringify({ ...tiny.train, epochs: undefined });

test('runs saved with --json combine with --from-json into an ensemble and one comparison table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-compare-'));
  try {
    const lines = ['file\tspeaker\tlabel'];
    for (let s = 0; s < 3; s++) {
      for (const label of ['anger', 'sadness', 'neutral']) {
        for (let k = 0; k < 3; k++) {
          const name = `s${s}_${label}_${k}.wav`;
          writeFileSync(join(dir, name), encodeWav16(clip(label, s, k)));
          lines.push(`${name}\tspk${s}\t${label}`);
        }
      }
    }
    writeFileSync(join(dir, 'manifest.tsv'), `${lines.join('\n')}\n`);
    const base = ['--corpus', 'manifest', '--data', dir];
    const a = join(dir, 'svm.json');
    const d = join(dir, 'cnn.json');
    await evaluate([...base, '--model', 'svm-linear', '--no-cache', '--json', a]);
    await evaluate([
      ...base,
      '--model',
      'cnn',
      '--epochs',
      '1',
      '--train-options',
      TINY_CNN,
      '--backend',
      'cpu',
      '--json',
      d,
    ]);
    const single = JSON.parse(readFileSync(d, 'utf8'));
    assert.equal(single.model, 'cnn');
    assert.equal(single.seed, 1);
    assert.equal(single.predictions.length, 27);
    assert.equal(single.predictions[0].probabilities.length, 3);

    const table = join(dir, 'table.md');
    const all = join(dir, 'all.json');
    const out = await evaluate([
      ...base,
      '--from-json',
      `${a},${d}`,
      '--model',
      'svm-linear+cnn',
      '--ensemble-weights',
      '0.7,0.3',
      '--table',
      table,
      '--json',
      all,
    ]);
    assert.match(out, /manifest: leave-one-speaker-out \(LOSO\), predictions of 3 folds pooled/);
    const md = readFileSync(table, 'utf8').split('\n');
    assert.match(md[0], /^### manifest: leave-one-speaker-out/);
    assert.deepEqual(
      md.slice(4, 7).map((l) => l.split(' | ')[0]),
      ['| svm-linear', '| cnn', '| svm-linear+cnn'],
    );
    assert.match(md[6], /weights 0\.7\/0\.3/);
    const doc = JSON.parse(readFileSync(all, 'utf8'));
    assert.equal(doc.protocol, 'loso');
    assert.deepEqual(
      doc.models.map((m: { model: string }) => m.model),
      ['svm-linear', 'cnn', 'svm-linear+cnn'],
    );
    const svm = JSON.parse(readFileSync(a, 'utf8'));
    const [ens] = doc.models.slice(2);
    const i = 5;
    const expected = svm.predictions[i].probabilities.map(
      (p: number, j: number) => 0.7 * p + 0.3 * single.predictions[i].probabilities[j],
    );
    ens.predictions[i].probabilities.forEach((p: number, j: number) =>
      assert.ok(Math.abs(p - expected[j]) < 2e-4),
    );

    // The same model from two files (e.g. with and without --speaker-norm) is named by its file.
    const copy = join(dir, 'copy.json');
    writeFileSync(copy, readFileSync(a));
    const twice = await evaluate([
      ...base,
      '--from-json',
      `${a},${copy},${d}`,
      '--model',
      'svm-linear@copy+cnn',
    ]);
    assert.match(twice, /\nsvm-linear@copy\s+loso/);
    assert.match(twice, /\nsvm-linear@copy\+cnn\s+loso/);

    await assert.rejects(
      evaluate([...base, '--from-json', a, '--protocol', 'kfold', '--folds', '3']),
      (e: Error & { code?: string }) =>
        e.code === 'BAD_EVALUATION_FILE' && /protocol loso, this run kfold/.test(e.message),
    );
    await assert.rejects(
      evaluate([...base, '--model', 'cnn1d-lstm', '--speaker-norm']),
      (e: Error & { code?: string }) =>
        e.code === 'BAD_EVALUATION' && /takes the raw waveform/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
