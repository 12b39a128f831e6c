import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Predictor } from '../../src/core/predict.js';
import { loadBundleFromDir } from '../../src/node/bundle-io.js';
import { TINY_LABELS, seededRandom, tinyClip } from '../helpers/tones.js';
import { encodeWav16 } from '../helpers/wav-file.js';
import { SMALL_CNN } from '../helpers/tiny-deep.js';

const SMALL_CNN_JSON = JSON.stringify(SMALL_CNN);

/** DIR/<label>/<speaker>/<n>.wav for 3 labels x 3 speakers, plus one broken file. */
function syntheticFolderCorpus(root: string): void {
  const rng = seededRandom(21);
  for (const [k, label] of TINY_LABELS.entries())
    for (const s of ['s1', 's2', 's3'])
      for (let i = 0; i < 3; i++) {
        mkdirSync(join(root, label, s), { recursive: true });
        writeFileSync(join(root, label, s, `${i}.wav`), encodeWav16(tinyClip(k, rng, 0.4 + 0.5 * rng())));
      }
  writeFileSync(join(root, 'happiness', 's1', 'broken.wav'), 'not audio');
}

function runTrain(args: string[]): {
  child: ReturnType<typeof spawn>;
  done: Promise<{ code: number | null; signal: string | null; out: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, out })),
  );
  return { child, done };
}

test('train writes a loadable bundle; a run killed with SIGKILL resumes from its last checkpoint and keeps finished epochs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-train-'));
  try {
    const data = join(root, 'data');
    const out = join(root, 'model');
    syntheticFolderCorpus(data);
    const epochs = 5;
    const args = [
      '--corpus',
      'folder',
      '--data',
      data,
      '--model',
      'cnn',
      '--model-config',
      SMALL_CNN_JSON,
      '--out',
      out,
      '--epochs',
      String(epochs),
      '--batch',
      '8',
      '--lr',
      '0.01',
      '--feature',
      'logmel',
      '--n-mels',
      '16',
      '--augment-copies',
      '0',
      '--patience',
      '0',
      '--backend',
      'cpu',
      '--quiet',
    ];
    const state = join(`${out}.checkpoint`, 'deep', 'state.json');
    const first = runTrain(args);
    let before: { epoch: number; history: { epoch: number; loss: number }[] } | undefined;
    for (;;) {
      const exited = await Promise.race([
        first.done.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 50)),
      ]);
      if (exited) assert.fail(`the first run finished before it could be killed:\n${(await first.done).out}`);
      if (!existsSync(state)) continue;
      const s = JSON.parse(readFileSync(state, 'utf8'));
      if (s.epoch >= 2) {
        first.child.kill('SIGKILL');
        before = s;
        break;
      }
    }
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.match(killed.out, /corpus folder: 27 utterances, 3 speakers[\s\S]*problems: 1/);
    assert.ok(!existsSync(out), 'no bundle is written by a killed run');
    // The checkpoint on disk may be one epoch newer than the one read; it never goes backwards.
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    assert.ok(saved.epoch >= before!.epoch);
    assert.deepEqual(saved.history.slice(0, before!.epoch), before!.history);

    const second = await runTrain([...args, '--resume']).done;
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, new RegExp(`resuming after epoch ${saved.epoch}`));
    const bundle = await loadBundleFromDir(out);
    const history = bundle.manifest.history;
    assert.deepEqual(
      history.map((h) => h.epoch),
      Array.from({ length: epochs }, (_, i) => i + 1),
    );
    assert.deepEqual(history.slice(0, saved.epoch), saved.history, 'finished epochs are kept exactly');
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')), history);
    assert.ok(!existsSync(`${out}.checkpoint`), 'the checkpoint is removed after a completed run');
    const p = await Predictor.fromBundle(bundle).predict(tinyClip(0, seededRandom(3), 1));
    assert.ok(bundle.manifest.labels.includes(p.label));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
