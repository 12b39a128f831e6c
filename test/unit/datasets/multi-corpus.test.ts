import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  CorpusError,
  DEFAULT_DATASETS_DIR,
  listNoise,
  parseAsedName,
  parseCorpusSpecs,
  readCorpora,
  readCorpus,
  readNoise,
} from '../../../src/node/datasets/index.js';
import { corpus, tempTree } from '../../helpers/datasets.js';
import { voiceLikeTone } from '../../helpers/tones.js';
import { encodeWav16 } from '../../helpers/wav-file.js';

const ased = corpus('ased');
const emodb = corpus('emodb');
const ravdess = corpus('ravdess');
const noise = corpus('noise');
const tone = (hz: number) => encodeWav16(voiceLikeTone({ startHz: hz, endHz: hz, durationSec: 0.2 }));

test('ASED names: emotion letter with its folder number, speaker last', () => {
  assert.deepEqual(parseAsedName('n1-01-01-01-05.flac'), { label: 'neutral', speaker: '05', rawLabel: 'n' });
  assert.deepEqual(parseAsedName('f2-12-02-02-40.flac'), { label: 'fear', speaker: '40', rawLabel: 'f' });
  assert.deepEqual(parseAsedName('S4-04-02-01-29.wav'), { label: 'sadness', speaker: '29', rawLabel: 's' });
  assert.match(
    (parseAsedName('h1-01-01-01-05.flac') as { error: string }).error,
    /goes with folder number 3, not 1/,
  );
  assert.match((parseAsedName('x1-01-01-01-05.flac') as { error: string }).error, /not in ASED form/);
});

test('ASED reader keeps one of each byte-identical pair and reports the other', async () => {
  const a = tone(200);
  const dir = tempTree({
    '03Happy/h3-01-01-02-08.wav': a,
    '03Happy/h3-01-02-02-08.wav': a,
    '01Neutral/n1-01-01-02-08.wav': tone(300),
    '05Angry/a5-01-01-01-09.wav': tone(400),
  });
  const r = await readCorpus('ased', dir);
  assert.deepEqual(r.utterances.map((u) => u.path.split('/').pop()).sort(), [
    'a5-01-01-01-09.wav',
    'h3-01-01-02-08.wav',
    'n1-01-01-02-08.wav',
  ]);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].reason, /byte-identical duplicate of h3-01-01-02-08.wav/);
});

test(
  'real ASED: 2470 clips of 65 speakers, the 4 duplicate pairs reported',
  { skip: ased.skip },
  async () => {
    const r = await readCorpus('ased', ased.dir);
    assert.equal(r.utterances.length, 2470);
    assert.equal(new Set(r.utterances.map((u) => u.speaker)).size, 65);
    assert.deepEqual(r.problems.map((p) => p.path.split('/').pop()).sort(), [
      'a5-07-02-02-63.flac',
      'h3-01-02-02-08.flac',
      'n1-07-02-02-53.flac',
      's4-03-02-01-23.flac',
    ]);
    const counts: Record<string, number> = {};
    for (const u of r.utterances) counts[u.label] = (counts[u.label] ?? 0) + 1;
    assert.deepEqual(counts, { neutral: 521, fear: 510, happiness: 485, sadness: 469, anger: 485 });
  },
);

test('corpus specs: one --data per corpus, one parent folder, or the shared layout', () => {
  assert.deepEqual(parseCorpusSpecs('emodb,ravdess', ['/a', '/b']), [
    { kind: 'emodb', data: '/a' },
    { kind: 'ravdess', data: '/b' },
  ]);
  assert.deepEqual(parseCorpusSpecs('emodb,ased', ['/d']), [
    { kind: 'emodb', data: '/d/emodb' },
    { kind: 'ased', data: '/d/ased' },
  ]);
  assert.deepEqual(parseCorpusSpecs('ravdess'), [
    { kind: 'ravdess', data: resolve(DEFAULT_DATASETS_DIR, 'ravdess') },
  ]);
  assert.deepEqual(parseCorpusSpecs('folder', ['/x']), [{ kind: 'folder', data: '/x' }]);
  assert.throws(
    () => parseCorpusSpecs('emodb,opera'),
    /unknown corpus kind 'opera' \(accepted: emodb, ravdess, ased/,
  );
  assert.throws(() => parseCorpusSpecs('emodb,emodb'), /listed twice/);
  assert.throws(() => parseCorpusSpecs('emodb,ravdess,ased', ['/a', '/b']), /one --data per corpus \(3 for/);
  assert.throws(() => parseCorpusSpecs('emodb,folder'), /'folder' has no standard folder/);
  assert.throws(() => parseCorpusSpecs(' , '), CorpusError);
});

test('several corpora: speakers prefixed, five shared emotions plus disgust, the rest reported as left out', async () => {
  const em = tempTree({
    '03a01Fa.wav': tone(200),
    '03a01Ea.wav': tone(210),
    '03a01La.wav': tone(220),
    '08a01Wa.wav': tone(230),
  });
  const ra = tempTree({
    '03-01-02-01-01-01-03.wav': tone(240),
    '03-01-04-01-01-01-03.wav': tone(250),
    '03-01-06-01-01-01-03.wav': tone(260),
  });
  const r = await readCorpora([
    { kind: 'emodb', data: em },
    { kind: 'ravdess', data: ra },
  ]);
  // neutral does not occur in these two tiny corpora
  assert.deepEqual(r.labels, ['happiness', 'sadness', 'anger', 'fear', 'disgust']);
  assert.deepEqual(r.utterances.map((u) => `${u.corpus} ${u.speaker} ${u.label}`).sort(), [
    'emodb emodb:03 disgust',
    'emodb emodb:03 happiness',
    'emodb emodb:08 anger',
    'ravdess ravdess:03 fear',
    'ravdess ravdess:03 sadness',
  ]);
  assert.deepEqual(r.corpora[0].leftOut, { boredom: 1 });
  assert.deepEqual(r.corpora[1].leftOut, { calm: 1 });
  // No corpus with disgust: only the shared emotions that occur (here happiness, sadness, fear).
  const noDisgust = await readCorpora([
    { kind: 'ravdess', data: ra },
    { kind: 'emodb', data: tempTree({ '03a01Fa.wav': tone(200) }) },
  ]);
  assert.deepEqual(noDisgust.labels, ['happiness', 'sadness', 'fear']);
  // One corpus: its own speakers and all its labels, as before.
  const one = await readCorpora([{ kind: 'emodb', data: em }]);
  assert.deepEqual(one.labels, ['happiness', 'anger', 'disgust', 'boredom']);
  assert.equal(one.utterances[0].speaker.includes(':'), false);
  await assert.rejects(
    readCorpora([{ kind: 'emodb', data: em }], { labels: ['joy'] }),
    /unknown label\(s\) joy/,
  );
});

test(
  'real EMO-DB + RAVDESS + ASED merged: 6 labels, 95 speakers',
  { skip: emodb.skip || ravdess.skip || ased.skip },
  async () => {
    const r = await readCorpora(parseCorpusSpecs('emodb,ravdess,ased', [emodb.dir, ravdess.dir, ased.dir]));
    assert.deepEqual(r.labels, ['neutral', 'happiness', 'sadness', 'anger', 'fear', 'disgust']);
    assert.equal(new Set(r.utterances.map((u) => u.speaker)).size, 10 + 20 + 65);
    assert.deepEqual(
      r.corpora.map((c) => [c.kind, c.used]),
      [
        ['emodb', 535 - 81],
        ['ravdess', 1200 - 160 - 160],
        ['ased', 2470],
      ],
    );
  },
);

test('noise folder: lists and decodes the recordings at the asked rate', async () => {
  const dir = tempTree({ 'hum.wav': tone(100), 'README.md': 'not audio' });
  assert.deepEqual(
    (await listNoise(dir)).map((p) => p.split('/').pop()),
    ['hum.wav'],
  );
  const [rec] = await readNoise(dir, 8000);
  assert.equal(rec.name, 'hum');
  assert.equal(rec.samples.length, 1600);
  await assert.rejects(listNoise(tempTree({ 'a.txt': 'x' })), /has no audio files/);
  await assert.rejects(listNoise('/nonexistent/noise'), /does not exist/);
});

test('real noise folder: six recordings, 399 s in all', { skip: noise.skip }, async () => {
  const recs = await readNoise(noise.dir, 16000);
  assert.equal(recs.length, 6);
  const seconds = recs.reduce((a, r) => a + r.samples.length, 0) / 16000;
  assert.ok(Math.abs(seconds - 399) < 2, `${seconds} s`);
});
