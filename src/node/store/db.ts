import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmovoxError } from '../../core/errors.js';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order. `PRAGMA user_version` records how many have run, so
 * opening an older data directory upgrades it in place and a newer one is refused.
 * Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE recordings (
     id            TEXT PRIMARY KEY,
     created_at    TEXT NOT NULL,            -- ISO 8601, UTC
     file_name     TEXT,                     -- the name the client gave, if any
     mime_type     TEXT NOT NULL,
     audio_ext     TEXT NOT NULL,            -- file is DATA/audio/<id>.<audio_ext>
     size_bytes    INTEGER NOT NULL,
     duration_sec  REAL NOT NULL,
     model_id      TEXT NOT NULL,
     label         TEXT NOT NULL,
     prediction    TEXT NOT NULL             -- Prediction as JSON
   );`,
  // 2: speakers and descriptor vectors for speaker-adaptive models. Descriptors live in their own
  // table because one recording can carry a vector per descriptor kind (several models served);
  // ON DELETE CASCADE takes a deleted recording out of its speaker's profile.
  `ALTER TABLE recordings ADD COLUMN speaker TEXT;           -- who speaks, as the client named them
   CREATE INDEX recordings_by_speaker ON recordings (speaker) WHERE speaker IS NOT NULL;
   CREATE TABLE descriptors (
     recording_id  TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
     kind          TEXT NOT NULL,            -- which descriptor extraction made the vector
     dim           INTEGER NOT NULL,
     vector        BLOB NOT NULL,            -- dim float32 values, little-endian
     PRIMARY KEY (recording_id, kind)
   );`,
];

/** Thrown when the database on disk was written by a newer Emovox than this one. */
export class StoreError extends EmovoxError {
  constructor(message: string) {
    super('STORE', message);
  }
}

/**
 * Opens (creating if needed) the SQLite database at `path` in WAL mode with foreign keys on,
 * and brings its schema up to date inside one transaction.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a process crash loses no committed row; a power loss may roll back the
  // newest commits (never corrupts), and the start-up orphan sweep then removes their audio files.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Runs every migration not yet applied; returns the resulting schema version. */
export function migrate(db: Db, migrations: readonly string[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    db.close();
    throw new StoreError(
      `database schema version ${current} is newer than this Emovox supports (${migrations.length}); ` +
        'upgrade Emovox or use another --data directory',
    );
  }
  const apply = db.transaction(() => {
    for (let v = current; v < migrations.length; v++) db.exec(migrations[v]);
    db.pragma(`user_version = ${migrations.length}`);
  });
  apply();
  return migrations.length;
}
