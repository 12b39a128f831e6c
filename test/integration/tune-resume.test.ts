import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_LABELS, seededRandom, tinyClip } from '../helpers/tones.js';
import { encodeWav16 } from '../helpers/wav-file.js';

/** A tiny CNN, fixed through one-candidate lists; the learning rate is what is searched. */
const SPACE = {
  lr: [0.03, 0.01, 0.003, 0.001],
  'modelConfig.filters': [[4, 8]],
  'modelConfig.kernelSizes': [[3, 3]],
  'modelConfig.poolsFreqTime': [
    [
      [2, 2],
      [2, 2],
    ],
  ],
  'modelConfig.denseUnits': [8],
  'modelConfig.dropout': [0],
  'modelConfig.inputSeconds': [0.5],
  'featureConfig.kind': ['logmel'],
  'featureConfig.nMels': [16],
  'augment.copies': [0],
  batchSize: [8],
};

function syntheticCorpus(root: string): void {
  const rng = seededRandom(11);
  for (const [k, label] of TINY_LABELS.entries())
    for (const s of ['s1', 's2', 's3', 's4'])
      for (let i = 0; i < 2; i++) {
        mkdirSync(join(root, label, s), { recursive: true });
        writeFileSync(join(root, label, s, `${i}.wav`), encodeWav16(tinyClip(k, rng, 0.6)));
      }
}

function runTune(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'tune', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (res) => child.on('exit', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
    : [];

test('tune (deep, held-out training speakers): a search killed with SIGKILL resumes, skipping the finished trials', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-tune-resume-'));
  try {
    const data = join(root, 'data');
    syntheticCorpus(data);
    const space = join(root, 'space.json');
    writeFileSync(space, JSON.stringify(SPACE));
    const out = join(root, 'search');
    const args = [
      ...['--corpus', 'folder', '--data', data, '--model', 'cnn', '--space', space, '--out', out],
      ...['--epochs', '1', '--val-speakers', '1', '--backend', 'cpu'],
    ];
    const trials = join(out, 'trials.jsonl');
    const first = runTune(args);
    let seen = 0;
    for (;;) {
      const exited = await Promise.race([
        first.done.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 30)),
      ]);
      if (exited)
        assert.fail(`the first run finished before it could be killed:\n${(await first.done).stderr}`);
      seen = lines(trials).length;
      if (seen >= 1) {
        first.child.kill('SIGKILL');
        break;
      }
    }
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    const kept = lines(trials);
    assert.ok(
      kept.length >= seen && kept.length < SPACE.lr.length,
      `${kept.length} trials finished before the kill`,
    );

    const json = join(root, 'tune-results.json');
    const second = await runTune([...args, '--json', json]).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`skipping ${kept.length} already finished`));
    assert.match(second.stderr, /\(s1 s2 s3 s4\)/);
    const all = lines(trials);
    assert.equal(all.length, SPACE.lr.length);
    assert.deepEqual(all.slice(0, kept.length), kept, 'finished trials are kept as they were');
    const records = all.map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.params.lr).sort(), [...SPACE.lr].sort(), 'each trial ran once');
    for (const r of records) {
      assert.equal(r.epochs, 1);
      assert.ok(r.valUar >= 0 && r.valUar <= 1 && Number.isFinite(r.valLoss));
    }
    // The table on stdout is ranked by validation UAR.
    const rows = second.stdout.split('\n').filter((l) => /^\s+\d+\s+[\d.]+\s/.test(l));
    assert.equal(rows.length, SPACE.lr.length);
    const uars = rows.map((r) => Number(r.trim().split(/\s+/)[1]));
    assert.deepEqual(
      uars,
      [...uars].sort((a, b) => b - a),
    );
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(
      doc.trials.map((t: { valUar: number }) => Number((t.valUar * 100).toFixed(1))),
      uars,
      '--json lists the trials in the same order',
    );
    assert.deepEqual(doc.best, doc.trials[0]);
    // best.json is the trainer-options object `emovox evaluate --train-options` takes.
    const best = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'));
    assert.equal(best.epochs, 1);
    assert.deepEqual(best.modelConfig.filters, [4, 8]);
    assert.ok(SPACE.lr.includes(best.lr));
    assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /--train-options/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
