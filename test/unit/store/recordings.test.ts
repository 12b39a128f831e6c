import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RecordingStore, type NewRecording } from '../../../src/node/store/recordings.js';
import { migrate, MIGRATIONS, openDatabase } from '../../../src/node/store/db.js';
import { extensionForMime } from '../../../src/node/store/audio-files.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'emovox-store-'));
}

function input(i: number, mimeType = 'audio/wav'): NewRecording {
  return {
    bytes: new Uint8Array([82, 73, 70, 70, i & 255, 1, 2, 3]),
    mimeType,
    fileName: `clip-${i}.wav`,
    durationSec: 1.5 + i,
    modelId: 'tiny',
    prediction: { label: 'anger', emoji: '😠', confidence: 0.7, probabilities: { anger: 0.7, neutral: 0.3 } },
  };
}

test('create stores the bytes under DATA/audio and get returns the same record', () => {
  const dir = tempDir();
  const store = RecordingStore.open(dir);
  try {
    const rec = store.create(input(7));
    assert.match(rec.id, /^[0-9a-f-]{36}$/);
    assert.equal(rec.sizeBytes, 8);
    assert.deepEqual(store.get(rec.id), rec);
    const audio = store.audio(rec.id);
    assert.ok(audio);
    assert.equal(audio.path, join(dir, 'audio', `${rec.id}.wav`));
    assert.deepEqual(new Uint8Array(readFileSync(audio.path)), input(7).bytes);
    assert.equal(audio.mimeType, 'audio/wav');
    assert.equal(store.get('00000000-0000-0000-0000-000000000000'), null);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('list pages newest first and reports the total', () => {
  const dir = tempDir();
  const store = RecordingStore.open(dir);
  try {
    const ids = Array.from({ length: 5 }, (_, i) => store.create(input(i)).id);
    const p1 = store.list(1, 2);
    assert.equal(p1.total, 5);
    assert.deepEqual(
      p1.items.map((r) => r.id),
      [ids[4], ids[3]],
    );
    assert.deepEqual(
      store.list(3, 2).items.map((r) => r.id),
      [ids[0]],
    );
    assert.deepEqual(store.list(4, 2).items, []);
    assert.throws(() => store.list(0, 2), /page must be an integer >= 1/);
    assert.throws(() => store.list(1, 1000), /pageSize must be an integer from 1 to 100/);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('delete removes the row and the file; deleting again reports false', () => {
  const dir = tempDir();
  const store = RecordingStore.open(dir);
  try {
    const rec = store.create(input(1, 'audio/webm;codecs=opus'));
    const path = store.audio(rec.id)!.path;
    assert.ok(path.endsWith('.webm'));
    assert.equal(store.delete(rec.id), true);
    assert.equal(existsSync(path), false);
    assert.equal(store.get(rec.id), null);
    assert.equal(store.delete(rec.id), false);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reopening keeps the history and sweeps temp files and files without rows', () => {
  const dir = tempDir();
  const first = RecordingStore.open(dir);
  const kept = first.create(input(1));
  first.close();
  const audioDir = join(dir, 'audio');
  writeFileSync(join(audioDir, '.tmp-123e4567-e89b-12d3-a456-426614174000.wav'), 'half');
  writeFileSync(join(audioDir, '123e4567-e89b-12d3-a456-426614174000.wav'), 'no row');
  const second = RecordingStore.open(dir);
  try {
    assert.deepEqual(second.sweptAtOpen.sort(), [
      '.tmp-123e4567-e89b-12d3-a456-426614174000.wav',
      '123e4567-e89b-12d3-a456-426614174000.wav',
    ]);
    assert.deepEqual(readdirSync(audioDir), [`${kept.id}.wav`]);
    assert.deepEqual(second.get(kept.id), kept);
    assert.equal(second.list().total, 1);
  } finally {
    second.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed insert leaves no audio file behind', () => {
  const dir = tempDir();
  const store = RecordingStore.open(dir);
  try {
    // A trigger makes the INSERT fail after the audio file has been renamed into place.
    store.db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON recordings BEGIN SELECT RAISE(ABORT, 'refused'); END`,
    );
    assert.throws(() => store.create(input(2)), /refused/);
    assert.deepEqual(readdirSync(store.audioDir), []);
    assert.equal(store.list().total, 0);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migrations: WAL mode, version recorded, a newer database is refused', () => {
  const dir = tempDir();
  const path = join(dir, 'x.sqlite');
  try {
    const db = openDatabase(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    db.close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    assert.throws(() => openDatabase(path), /schema version \d+ is newer than this Emovox supports/);
    const mem = new Database(':memory:');
    assert.equal(migrate(mem, ['CREATE TABLE a (x)', 'CREATE TABLE b (y)']), 2);
    assert.equal(migrate(mem, ['CREATE TABLE a (x)', 'CREATE TABLE b (y)', 'CREATE TABLE c (z)']), 3);
    assert.deepEqual(
      mem.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(),
      ['a', 'b', 'c'],
    );
    mem.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extensionForMime maps common audio types and falls back to bin', () => {
  assert.equal(extensionForMime('audio/x-wav'), 'wav');
  assert.equal(extensionForMime('Audio/OGG; codecs=opus'), 'ogg');
  assert.equal(extensionForMime('application/octet-stream'), 'bin');
});
