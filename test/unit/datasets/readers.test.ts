import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatCorpusSummary,
  parseEmodbName,
  parseRavdessName,
  readCorpus,
  summariseCorpus,
} from '../../../src/node/datasets/index.js';
import { corpus, tempTree } from '../../helpers/datasets.js';
import { voiceLikeTone } from '../../helpers/tones.js';
import { encodeWav16 } from '../../helpers/wav-file.js';

const emodb = corpus('emodb');
const ravdess = corpus('ravdess');
const WAV = encodeWav16(voiceLikeTone({ startHz: 200, endHz: 200, durationSec: 0.2 }));

function reasonFor(problems: { path: string; reason: string }[], suffix: string): string | undefined {
  return problems.find((p) => p.path.endsWith(suffix))?.reason;
}

test('EMO-DB names map the emotion letter and keep the speaker', () => {
  assert.deepEqual(parseEmodbName('03a01Fa.wav'), { label: 'happiness', speaker: '03', rawLabel: 'F' });
  assert.deepEqual(parseEmodbName('16b10Wb.wav'), { label: 'anger', speaker: '16', rawLabel: 'W' });
  assert.match(
    (parseEmodbName('03a01Xa.wav') as { error: string }).error,
    /unknown EMO-DB emotion letter 'X'/,
  );
  assert.match((parseEmodbName('hello.wav') as { error: string }).error, /not in EMO-DB form/);
});

test('RAVDESS names map the emotion code, use the actor as speaker and reject song', () => {
  assert.deepEqual(parseRavdessName('03-01-05-01-02-01-12.flac'), {
    label: 'anger',
    speaker: '12',
    rawLabel: '05',
  });
  assert.deepEqual(parseRavdessName('03-01-02-02-01-01-01.wav'), {
    label: 'calm',
    speaker: '01',
    rawLabel: '02',
  });
  assert.match((parseRavdessName('03-02-05-01-02-01-12.flac') as { error: string }).error, /song/);
  assert.match(
    (parseRavdessName('03-01-09-01-02-01-12.flac') as { error: string }).error,
    /unknown RAVDESS emotion code/,
  );
});

test(
  'real EMO-DB: 535 utterances, 10 speakers, published label counts, no problems',
  { skip: emodb.skip },
  async () => {
    const r = await readCorpus('emodb', emodb.dir);
    assert.deepEqual(r.problems, []);
    const s = summariseCorpus(r);
    assert.equal(s.utterances, 535);
    assert.deepEqual(s.speakers, ['03', '08', '09', '10', '11', '12', '13', '14', '15', '16']);
    assert.deepEqual(s.perLabel, {
      anger: 127,
      boredom: 81,
      disgust: 46,
      fear: 69,
      happiness: 71,
      sadness: 62,
      neutral: 79,
    });
    assert.equal(r.utterances.find((u) => u.path.endsWith('03a01Fa.wav'))?.label, 'happiness');
  },
);

test('real RAVDESS: 1200 speech utterances from 20 actors', { skip: ravdess.skip }, async () => {
  const r = await readCorpus('ravdess', ravdess.dir);
  assert.deepEqual(r.problems, []);
  const s = summariseCorpus(r);
  assert.equal(s.utterances, 1200);
  assert.equal(s.speakers.length, 20);
  assert.equal(s.perLabel.neutral, 80);
  assert.equal(s.perLabel.surprise, 160);
});

test('EMO-DB-style folder: broken files and manifest disagreements are reported, not dropped silently', async () => {
  const root = tempTree({
    'wav/03a01Fa.wav': WAV,
    'wav/03a01Wa.wav': WAV,
    'wav/08a02Ta.wav': new Uint8Array(0),
    'wav/09a01Na.wav': 'this is text, not audio',
    'wav/10a01La.wav': WAV,
    'wav/readme.wav.bak': 'ignored: not an audio extension',
    'MANIFEST.tsv':
      'file\tspeaker\temotion\n' +
      'wav/03a01Fa.wav\t03\thappiness\n' +
      'wav/03a01Wa.wav\t03\tanger\n' +
      'wav/10a01La.wav\t10\tsadness\n' +
      'wav/11a01Wa.wav\t11\tanger\n',
  });
  try {
    const r = await readCorpus('emodb', root);
    assert.deepEqual(r.utterances.map((u) => u.path.slice(-11)).sort(), ['03a01Fa.wav', '03a01Wa.wav']);
    assert.match(reasonFor(r.problems, '08a02Ta.wav')!, /empty file/);
    assert.match(reasonFor(r.problems, '09a01Na.wav')!, /not an audio file/);
    assert.match(
      reasonFor(r.problems, '10a01La.wav')!,
      /file name says boredom but MANIFEST.tsv says sadness/,
    );
    assert.match(reasonFor(r.problems, '11a01Wa.wav')!, /listed in MANIFEST.tsv but missing/);
    assert.equal(r.problems.length, 4);
    assert.match(formatCorpusSummary('emodb', r), /2 utterances, 1 speakers[\s\S]*problems: 4/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('folder-per-label: synonyms map to canonical labels, speaker sub-folders are kept, bad labels reported', async () => {
  const root = tempTree({
    'happy/a.wav': WAV,
    'Sad/spk7/b.wav': WAV,
    'angry/c.wav': new Uint8Array(0),
    'angry/notes.txt': 'hello',
    'grumpy/d.wav': WAV,
    'stray.wav': WAV,
  });
  try {
    const r = await readCorpus('folder', root);
    const us = r.utterances.map((u) => [u.label, u.speaker, u.rawLabel]);
    assert.deepEqual(us, [
      ['happiness', 'unknown', 'happy'],
      ['sadness', 'spk7', 'Sad'],
    ]);
    assert.match(reasonFor(r.problems, 'c.wav')!, /empty file/);
    assert.match(reasonFor(r.problems, 'notes.txt')!, /not an audio file name/);
    assert.match(
      reasonFor(r.problems, 'd.wav')!,
      /'grumpy' is not a known emotion \(accepted: neutral, calm/,
    );
    assert.match(reasonFor(r.problems, 'stray.wav')!, /not inside a label folder/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CSV manifest: quoted paths, synonyms, missing files and unknown labels', async () => {
  const root = tempTree({
    'clips/one, two.wav': WAV,
    'clips/three.wav': WAV,
    'list.csv':
      'file,label,speaker\n' +
      '"clips/one, two.wav",Happy,s1\n' +
      'clips/three.wav,fearful,s2\n' +
      'clips/missing.wav,sad,s2\n' +
      'clips/three.wav,meh,s3\n',
  });
  try {
    const r = await readCorpus('manifest', join(root, 'list.csv'));
    assert.deepEqual(
      r.utterances.map((u) => [u.label, u.speaker]),
      [
        ['happiness', 's1'],
        ['fear', 's2'],
      ],
    );
    assert.match(reasonFor(r.problems, 'missing.wav')!, /file is missing/);
    assert.ok(r.problems.some((p) => /label 'meh' \(.*list.csv:5\) is not a known emotion/.test(p.reason)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('TSV manifest found in a folder; a manifest without the needed columns is a clear error', async () => {
  const root = tempTree({ 'a.wav': WAV, 'manifest.tsv': 'path\temotion\na.wav\tneutral\n' });
  const bad = tempTree({ 'manifest.csv': 'name,mood\na.wav,happy\n' });
  try {
    const r = await readCorpus('manifest', root);
    assert.deepEqual(
      r.utterances.map((u) => [u.label, u.speaker]),
      [['neutral', 'unknown']],
    );
    await assert.rejects(
      readCorpus('manifest', bad),
      /needs columns 'file' \(or 'path'\) and 'label'.*found: name, mood/,
    );
    await assert.rejects(readCorpus('emodb', join(root, 'nope')), /does not exist/);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(bad, { recursive: true, force: true });
  }
});
