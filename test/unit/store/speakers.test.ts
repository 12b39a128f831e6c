import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RecordingStore, type NewRecording } from '../../../src/node/store/recordings.js';
import { MIGRATIONS } from '../../../src/node/store/db.js';
import { parseSpeakerName } from '../../../src/node/store/speaker-name.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'emovox-speakers-'));
}

function input(speaker: string | null, vector?: number[], kind = 'd3'): NewRecording {
  return {
    bytes: new Uint8Array([82, 73, 70, 70, 1, 2, 3]),
    mimeType: 'audio/wav',
    fileName: null,
    durationSec: 2,
    modelId: 'default',
    prediction: { label: 'anger', emoji: '😠', confidence: 0.6, probabilities: { anger: 0.6, neutral: 0.4 } },
    speaker,
    descriptors: vector ? [{ kind, vector: Float32Array.from(vector) }] : [],
  };
}

test('an old-schema database (version 1) keeps its rows and files when opened, and gains speakers', () => {
  const dir = tempDir();
  try {
    const db = new Database(join(dir, 'emovox.sqlite'));
    db.exec(MIGRATIONS[0]);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO recordings VALUES ('0b6d3c2e-5f0e-4d2a-9a57-1f0c1b2a3d4e', '2026-11-01T10:00:00.000Z',
         'old.wav', 'audio/wav', 'wav', 4, 1.5, 'default', 'sadness',
         '{"label":"sadness","emoji":"😢","confidence":0.9,"probabilities":{"sadness":0.9,"anger":0.1}}')`,
    ).run();
    db.close();
    mkdirSync(join(dir, 'audio'));
    writeFileSync(join(dir, 'audio', '0b6d3c2e-5f0e-4d2a-9a57-1f0c1b2a3d4e.wav'), 'RIFF');

    const store = RecordingStore.open(dir);
    try {
      assert.equal(store.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
      assert.deepEqual(store.sweptAtOpen, [], 'the old audio file is still referenced');
      const old = store.get('0b6d3c2e-5f0e-4d2a-9a57-1f0c1b2a3d4e');
      assert.equal(old?.prediction.label, 'sadness');
      assert.equal(old?.fileName, 'old.wav');
      assert.equal(old?.speaker, null);
      store.create(input('anna', [1, 2, 3]));
      assert.equal(store.list().total, 2);
      assert.equal(store.speakerCount('anna', 'd3'), 1);
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('descriptor vectors come back bit for bit per speaker and kind; deleting a recording drops its vector', () => {
  const dir = tempDir();
  const store = RecordingStore.open(dir);
  try {
    const a1 = store.create(input('anna', [0.1, -2.5, 1e-7]));
    store.create(input('anna', [3, 4, 5]));
    store.create(input('anna', [9, 9, 9, 9], 'other-kind'));
    store.create(input('ben', [7, 8, 9]));
    store.create(input(null, [1, 1, 1]));
    store.create(input('anna')); // a deep model: no vector

    const vectors = store.speakerDescriptors('anna', 'd3');
    assert.deepEqual(
      vectors.map((v) => [...v]),
      [[...Float32Array.from([0.1, -2.5, 1e-7])], [3, 4, 5]],
    );
    assert.deepEqual(
      store.speakerDescriptors('anna', 'd3', 1).map((v) => [...v]),
      [[3, 4, 5]],
      'a limit keeps the newest',
    );
    assert.equal(store.speakerCount('anna'), 4);
    assert.equal(store.speakerCount('anna', 'd3'), 2);
    assert.equal(store.speakerCount('nobody', 'd3'), 0);

    assert.ok(store.delete(a1.id));
    assert.deepEqual(
      store.speakerDescriptors('anna', 'd3').map((v) => [...v]),
      [[3, 4, 5]],
    );
    assert.equal(store.db.prepare('SELECT count(*) FROM descriptors').pluck().get(), 4);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('speakers() lists each named speaker with counts, newest first; list() filters by speaker', () => {
  const dir = tempDir();
  const store = RecordingStore.open(dir);
  try {
    store.create(input('ben', [1, 2, 3]), new Date('2026-11-26T10:00:00Z'));
    store.create(input('anna', [1, 2, 3]), new Date('2026-11-26T10:01:00Z'));
    store.create(input('anna'), new Date('2026-11-26T10:02:00Z'));
    store.create(input(null), new Date('2026-11-26T10:03:00Z'));
    assert.deepEqual(store.speakers(), [
      { speaker: 'anna', recordings: 2, lastRecordedAt: '2026-11-26T10:02:00.000Z', descriptors: { d3: 1 } },
      { speaker: 'ben', recordings: 1, lastRecordedAt: '2026-11-26T10:00:00.000Z', descriptors: { d3: 1 } },
    ]);
    const page = store.list(1, 10, 'anna');
    assert.equal(page.total, 2);
    assert.ok(page.items.every((r) => r.speaker === 'anna'));
    assert.equal(store.list().total, 4);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad speaker name or vector is refused before anything is written', () => {
  const dir = tempDir();
  const store = RecordingStore.open(dir);
  try {
    assert.throws(() => store.create(input('two words')), { code: 'BAD_SPEAKER' });
    assert.throws(() => store.create(input('anna', [1, NaN, 3])), /non-empty and finite/);
    assert.equal(store.list().total, 0);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('speaker names: letters of any script, digits, -_. up to 64; anything else says what is accepted', () => {
  assert.equal(parseSpeakerName('Jürgen_2.b-x'), 'Jürgen_2.b-x');
  assert.equal(parseSpeakerName('a'.repeat(64)), 'a'.repeat(64));
  assert.equal(parseSpeakerName(''), null);
  assert.equal(parseSpeakerName(undefined), null);
  for (const bad of ['a'.repeat(65), 'anna smith', 'a/b', '<x>', 'ä?']) {
    assert.throws(() => parseSpeakerName(bad), {
      code: 'BAD_SPEAKER',
      message: /1 to 64 letters, digits, '-', '_' or '\.'/,
    });
  }
  assert.throws(() => parseSpeakerName(42), { code: 'BAD_SPEAKER', message: /must be text/ });
});
