import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrials } from '../../src/node/train/tune/log.js';
import { runTune } from '../../src/node/train/tune/tune.js';
import { TINY_LABELS, seededRandom, tinyClip } from '../helpers/tones.js';
import { encodeWav16 } from '../helpers/wav-file.js';

/**
 * DIR/<label>/<speaker>/<n>.wav, 3 labels x speakers s1..s4 x 3 clips. Speaker s4's files are
 * WAV headers over garbage: they pass the corpus listing's header check, but any attempt to
 * decode them (or to compute their features) fails.
 */
function corpusWithPoisonedSpeaker(root: string): void {
  const rng = seededRandom(5);
  for (const [k, label] of TINY_LABELS.entries())
    for (const s of ['s1', 's2', 's3', 's4'])
      for (let i = 0; i < 3; i++) {
        mkdirSync(join(root, label, s), { recursive: true });
        const file = join(root, label, s, `${i}.wav`);
        if (s !== 's4') writeFileSync(file, encodeWav16(tinyClip(k, rng, 0.5 + 0.3 * rng())));
        else {
          const b = Buffer.alloc(400, 7);
          b.write('RIFF', 0, 'latin1');
          b.writeUInt32LE(392, 4);
          b.write('WAVE', 8, 'latin1');
          writeFileSync(file, b);
        }
      }
}

test('tune (classical, inner LOSO): excluded speakers are never decoded, trials ranked, best.json, resume skips, other settings refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-tune-'));
  try {
    const data = join(root, 'data');
    corpusWithPoisonedSpeaker(data);
    const out = join(root, 'search');
    const lines: string[] = [];
    const base = {
      corpus: 'folder' as const,
      data,
      model: 'svm-linear',
      space: { c: [0.0001, 0.01, 1], speakerNorm: [false, true] },
      out,
      cacheDir: null,
      log: (s: string) => lines.push(s),
    };
    // Without the exclusion the poisoned speaker is read, and the search stops naming its file.
    await assert.rejects(runTune({ ...base, out: join(root, 'unsafe') }), (e: Error) =>
      /features of .*s4.*\.wav/.test(e.message),
    );

    const first = await runTune({ ...base, excludeSpeakers: ['s4'] });
    assert.equal(first.planned, 6);
    assert.equal(first.ran, 6);
    assert.equal(first.skipped, 0);
    assert.deepEqual(first.speakers, ['s1', 's2', 's3']);
    assert.equal(first.utterances, 27);
    assert.match(lines.join('\n'), /speakers s4 excluded \(9 utterances, never decoded\)/);
    assert.equal(lines.filter((l) => /^trial \d\/6 val UAR .* ETA /.test(l)).length, 6);

    const uars = first.ranked.map((r) => r.valUar!);
    assert.deepEqual(
      uars,
      [...uars].sort((a, b) => b - a),
      'ranked by validation UAR',
    );
    assert.ok(uars[0] > 0.5, `the best setting separates the synthetic emotions (UAR ${uars[0]})`);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'best.json'), 'utf8')), first.best!.options);
    assert.deepEqual(first.best!.options, first.ranked[0].params);
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    assert.match(
      md,
      /\| rank \| val UAR % \| val WA % \| val loss \| epochs \| seconds \| c \| speakerNorm \|/,
    );
    assert.match(md, /excluded \(outer test\) speakers: s4/);
    assert.match(md, /emovox evaluate --corpus folder --data \S+ --model svm-linear --c [\d.e-]+/);

    // Re-running the same command runs nothing and says so.
    lines.length = 0;
    const again = await runTune({ ...base, excludeSpeakers: ['s4'] });
    assert.equal(again.ran, 0);
    assert.equal(again.skipped, 6);
    assert.match(lines.join('\n'), /skipping 6 already finished/);
    assert.equal(readTrials(out).length, 6);
    assert.deepEqual(
      again.ranked.map((r) => r.key),
      first.ranked.map((r) => r.key),
    );

    // A different search in the same folder is refused, naming what differs.
    await assert.rejects(
      runTune({ ...base, excludeSpeakers: ['s4'], seed: 2 }),
      /holds a different search: seed \(1 there, 2 now\)/,
    );
    await assert.rejects(
      runTune({ ...base, excludeSpeakers: ['s4'], space: { c: [0.01] } }),
      /holds a different search: space \(the space file changed\)/,
    );
    await assert.rejects(
      runTune({ ...base, excludeSpeakers: ['s9'], out: join(root, 'x') }),
      /no speaker s9 in/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('tune (deep, inner LOSO): per-speaker normalisation as a dimension, kept out of best.json; bad protocol choices refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-tune-deep-'));
  try {
    const data = join(root, 'data');
    corpusWithPoisonedSpeaker(data);
    const tiny = {
      'modelConfig.filters': [[4]],
      'modelConfig.kernelSizes': [[3]],
      'modelConfig.poolsFreqTime': [[[2, 2]]],
      'modelConfig.lstmUnits': [4],
      'modelConfig.inputSeconds': [0.4],
      'featureConfig.kind': ['logmel'],
      'featureConfig.nMels': [16],
      'augment.copies': [0],
    };
    const base = {
      corpus: 'folder' as const,
      data,
      model: 'cnn2d-lstm',
      space: { ...tiny, speakerNorm: [false, true] },
      out: join(root, 'search'),
      excludeSpeakers: ['s4'],
      epochs: 1,
      backend: 'cpu' as const,
    };
    await assert.rejects(
      runTune({ ...base, inner: 'loso', valSpeakers: 1 }),
      /--val-speakers applies to --inner holdout/,
    );
    await assert.rejects(
      runTune({ ...base, model: 'svm', space: { c: [1] }, epochs: undefined, inner: 'holdout' }),
      /classical models are scored by inner leave-one-speaker-out only/,
    );
    const r = await runTune({ ...base, inner: 'loso' });
    assert.equal(r.ran, 2);
    for (const t of r.ranked) {
      assert.equal(t.epochs, 1, 'one epoch per inner fold');
      assert.ok(t.valUar! >= 0 && t.valUar! <= 1 && Number.isFinite(t.valLoss));
      assert.equal(
        'speakerNorm' in t.options,
        false,
        'speakerNorm is a flag of evaluate, not a trainer option',
      );
    }
    const best = JSON.parse(readFileSync(join(base.out, 'best.json'), 'utf8'));
    assert.deepEqual(r.best!.options, best);
    assert.deepEqual(best.modelConfig.filters, [4]);
    const md = readFileSync(join(base.out, 'results.md'), 'utf8');
    assert.equal(/--speaker-norm/.test(md), r.best!.params.speakerNorm === true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
