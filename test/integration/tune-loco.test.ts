import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTune } from '../../src/node/train/tune/tune.js';
import { tempTree } from '../helpers/datasets.js';
import { TINY_LABELS, seededRandom, tinyClip } from '../helpers/tones.js';
import { encodeWav16 } from '../helpers/wav-file.js';

/** File names of one clip of TINY_LABELS[k] (sadness, neutral, happiness) by speaker s and take i, per corpus layout. */
const NAMES = {
  emodb: (k: number, s: number, i: number) => `${['03', '08', '09', '10'][s]}a0${i + 1}${'TNF'[k]}a.wav`,
  ravdess: (k: number, s: number, i: number) =>
    `03-01-${['04', '01', '03'][k]}-01-0${i + 1}-01-${String(s + 1).padStart(2, '0')}.wav`,
  ased: (k: number, s: number, i: number) =>
    `${['04Sad', '01Neutral', '03Happy'][k]}/${['s4', 'n1', 'h3'][k]}-0${i + 1}-01-01-${String(s + 1).padStart(2, '0')}.wav`,
};

/** Four speakers x three labels x two takes in the corpus's own layout; `poisoned`: WAV headers over garbage. */
function syntheticCorpus(kind: keyof typeof NAMES, seed: number, poisoned = false): string {
  const rng = seededRandom(seed);
  const files: Record<string, Uint8Array> = {};
  for (let s = 0; s < 4; s++)
    for (const k of TINY_LABELS.keys())
      for (let i = 0; i < 2; i++) {
        if (!poisoned) files[NAMES[kind](k, s, i)] = encodeWav16(tinyClip(k, rng, 0.6 + 0.6 * rng()));
        else {
          const b = Buffer.alloc(400, 7 + Object.keys(files).length);
          b.write('RIFF', 0, 'latin1');
          b.writeUInt32LE(392, 4);
          b.write('WAVE', 8, 'latin1');
          files[NAMES[kind](k, s, i)] = b;
        }
      }
  return tempTree(files);
}

test('tune --protocol loco: the excluded corpus is never decoded, trials scored by inner leave-one-corpus-out, ranked, resumable', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-tune-loco-'));
  const data = [syntheticCorpus('emodb', 1), syntheticCorpus('ravdess', 2), syntheticCorpus('ased', 3, true)];
  try {
    const lines: string[] = [];
    const base = {
      corpus: 'emodb,ravdess,ased',
      data,
      protocol: 'loco' as const,
      model: 'logistic',
      space: { c: [0.0003, 0.01, 1] },
      out: join(root, 'search'),
      features: 'robust' as const,
      corpusWeight: true,
      cacheDir: null,
      log: (s: string) => lines.push(s),
    };
    // Without the exclusion the poisoned corpus is read, and the search stops on its files.
    await assert.rejects(runTune({ ...base, out: join(root, 'unsafe') }), /01Neutral\/n1-01-01-01-01\.wav/);
    lines.length = 0;

    const first = await runTune({ ...base, excludeCorpus: 'ased' });
    assert.equal(first.planned, 3);
    assert.equal(first.ran, 3);
    assert.equal(first.utterances, 48, 'EMO-DB and RAVDESS only');
    assert.ok(first.speakers!.every((s) => /^(emodb|ravdess):/.test(s)));
    assert.doesNotMatch(lines.join('\n'), /ased/);
    const uars = first.ranked.map((r) => r.valUar!);
    assert.deepEqual(
      uars,
      [...uars].sort((a, b) => b - a),
    );
    // The corpora share the synthetic emotions, so the best C recognises them across corpora.
    assert.ok(uars[0] > 0.6, `best inner LOCO UAR ${uars[0]}`);
    assert.ok(first.ranked.every((r) => r.valLoss! > 0 && r.valWa! > 0 && r.epochs === null));
    const md = readFileSync(join(base.out, 'results.md'), 'utf8');
    assert.match(md, /inner validation: leave-one-corpus-out over the training corpora emodb, ravdess/);
    assert.match(md, /excluded \(outer test\) corpus: ased/);
    assert.match(md, /its honest test is the ased row of/);
    assert.match(
      md,
      /emovox evaluate --protocol loco --corpus emodb,ravdess,ased --data \S+ --data \S+ --data \S+ --model logistic --features robust --corpus-weight --c [\d.e-]+/,
    );
    assert.deepEqual(JSON.parse(readFileSync(join(base.out, 'best.json'), 'utf8')), first.best!.options);

    const again = await runTune({ ...base, excludeCorpus: 'ased' });
    assert.equal(again.ran, 0);
    assert.equal(again.skipped, 3);
    await assert.rejects(
      runTune({ ...base, excludeCorpus: 'ased', corpusWeight: false }),
      /holds a different search: corpusWeight \(true there, false now\)/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
    for (const d of data) rmSync(d, { recursive: true, force: true });
  }
});

test('tune --protocol loco refuses what it cannot do honestly, before reading anything', async () => {
  const base = {
    corpus: 'emodb,ravdess,ased',
    data: ['/nonexistent/a', '/nonexistent/b', '/nonexistent/c'],
    protocol: 'loco' as const,
    model: 'logistic',
    space: { c: [0.01] },
    out: join(tmpdir(), 'emovox-tune-loco-never-written'),
    cacheDir: null,
  };
  await assert.rejects(
    runTune({ ...base, corpus: 'emodb,ravdess', data: base.data.slice(0, 2), excludeCorpus: 'ravdess' }),
    /needs at least 2 training corpora .* got 1 \(emodb\)/,
  );
  await assert.rejects(
    runTune({ ...base, excludeCorpus: 'folder' }),
    /--exclude-corpus folder is not one of/,
  );
  await assert.rejects(runTune({ ...base, model: 'cnn' }), /--protocol loco tunes classical models/);
  await assert.rejects(runTune({ ...base, excludeSpeakers: ['03'] }), /--exclude-speakers does not apply/);
  await assert.rejects(
    runTune({ ...base, space: { c: [0.01], speakerNorm: [true] } }),
    /space key 'speakerNorm' does not apply to --protocol loco/,
  );
  await assert.rejects(
    runTune({ ...base, model: 'svm', corpusWeight: true }),
    /--corpus-weight needs --model logistic/,
  );
  await assert.rejects(
    runTune({ ...base, protocol: 'loso', corpus: 'emodb', data: '/x', excludeCorpus: 'emodb' }),
    /--exclude-corpus applies to --protocol loco only/,
  );
});
