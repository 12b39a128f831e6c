import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from './db.js';
import { extensionForMime, sweepOrphans, writeFileAtomic } from './audio-files.js';
import { parseSpeakerName } from './speaker-name.js';

/** What the store keeps of a prediction (the shape of Predictor's Prediction, plus any extra fields). */
export interface StoredPrediction {
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
  /** The calibrated model was not sure (absent in rows stored before calibration existed: read as false). */
  uncertain?: boolean;
  /** How the prediction used the speaker's profile, when a speaker was named. */
  adaptation?: { speakerUtterances: number; adapted: boolean; [k: string]: unknown } | null;
}

/** One utterance's descriptor vector and which extraction made it (vectors of one kind make a profile). */
export interface DescriptorVector {
  kind: string;
  vector: Float32Array;
}

export interface NewRecording {
  /** The original upload, stored byte for byte. */
  bytes: Uint8Array;
  mimeType: string;
  fileName?: string | null;
  durationSec: number;
  modelId: string;
  prediction: StoredPrediction;
  /** Who speaks (see speaker-name.ts); null or absent for nobody in particular. */
  speaker?: string | null;
  /** Descriptor vector(s) of the clip, written in the same transaction as the row. */
  descriptors?: DescriptorVector[];
}

export interface Recording {
  id: string;
  createdAt: string;
  fileName: string | null;
  mimeType: string;
  sizeBytes: number;
  durationSec: number;
  modelId: string;
  speaker: string | null;
  prediction: StoredPrediction;
}

export interface RecordingPage {
  items: Recording[];
  page: number;
  pageSize: number;
  total: number;
}

export interface RecordingAudio {
  path: string;
  mimeType: string;
  sizeBytes: number;
  fileName: string | null;
}

interface Row {
  id: string;
  created_at: string;
  file_name: string | null;
  mime_type: string;
  audio_ext: string;
  size_bytes: number;
  duration_sec: number;
  model_id: string;
  label: string;
  prediction: string;
  speaker: string | null;
}

/** A speaker's recordings: how many, the newest, and how many carry descriptors of each kind. */
export interface SpeakerSummary {
  speaker: string;
  recordings: number;
  lastRecordedAt: string;
  descriptors: Record<string, number>;
}

/** Largest page a caller may ask for. */
export const MAX_PAGE_SIZE = 100;

function toRecording(r: Row): Recording {
  return {
    id: r.id,
    createdAt: r.created_at,
    fileName: r.file_name,
    mimeType: r.mime_type,
    sizeBytes: r.size_bytes,
    durationSec: r.duration_sec,
    modelId: r.model_id,
    speaker: r.speaker,
    prediction: { uncertain: false, ...(JSON.parse(r.prediction) as StoredPrediction) },
  };
}

/** Float32 vector -> BLOB bytes (little-endian, as every platform Node runs on stores them). */
function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** BLOB bytes -> a Float32 vector (copied: SQLite's buffer need not be 4-byte aligned). */
function blobToVector(b: Buffer): Float32Array {
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/**
 * Recordings and their predictions: rows in SQLite (`DATA/emovox.sqlite`), audio bytes in
 * `DATA/audio/<id>.<ext>`. The audio file is written atomically before its row is committed,
 * and a row is deleted before its file, so after a crash the worst left behind is a file
 * without a row, which the sweep at open() removes. A row never points at a missing file.
 */
export class RecordingStore {
  readonly audioDir: string;
  /** Files removed by the orphan sweep when the store was opened. */
  readonly sweptAtOpen: string[];

  private constructor(
    readonly db: Db,
    readonly dataDir: string,
  ) {
    this.audioDir = join(dataDir, 'audio');
    mkdirSync(this.audioDir, { recursive: true });
    this.sweptAtOpen = this.sweep();
  }

  /** Opens (creating) the store in `dataDir` and sweeps orphan files left by a crash. */
  static open(dataDir: string): RecordingStore {
    mkdirSync(dataDir, { recursive: true });
    return new RecordingStore(openDatabase(join(dataDir, 'emovox.sqlite')), dataDir);
  }

  /** Removes temp files and audio files without a row; returns their names. */
  sweep(): string[] {
    const ids = this.db.prepare('SELECT id FROM recordings').pluck().all() as string[];
    return sweepOrphans(this.audioDir, new Set(ids));
  }

  /**
   * Stores the bytes (file first), then the row and its descriptor vectors in one transaction.
   * Throws SpeakerNameError for a bad speaker name and RangeError for an empty or non-finite vector.
   */
  create(input: NewRecording, now: Date = new Date()): Recording {
    const speaker = parseSpeakerName(input.speaker);
    const descriptors = input.descriptors ?? [];
    for (const d of descriptors) {
      if (!d.kind || d.vector.length === 0 || !d.vector.every(Number.isFinite)) {
        throw new RangeError(`descriptor vector "${d.kind}" must be non-empty and finite`);
      }
    }
    const id = randomUUID();
    const ext = extensionForMime(input.mimeType);
    const path = writeFileAtomic(this.audioDir, `${id}.${ext}`, input.bytes);
    const row: Row = {
      id,
      created_at: now.toISOString(),
      file_name: input.fileName ?? null,
      mime_type: input.mimeType,
      audio_ext: ext,
      size_bytes: input.bytes.length,
      duration_sec: input.durationSec,
      model_id: input.modelId,
      label: input.prediction.label,
      prediction: JSON.stringify(input.prediction),
      speaker,
    };
    const insert = this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO recordings (id, created_at, file_name, mime_type, audio_ext, size_bytes,
             duration_sec, model_id, label, prediction, speaker)
           VALUES (@id, @created_at, @file_name, @mime_type, @audio_ext, @size_bytes,
             @duration_sec, @model_id, @label, @prediction, @speaker)`,
        )
        .run(row);
      const addVector = this.db.prepare(
        'INSERT INTO descriptors (recording_id, kind, dim, vector) VALUES (?, ?, ?, ?)',
      );
      for (const d of descriptors) addVector.run(id, d.kind, d.vector.length, vectorToBlob(d.vector));
    });
    try {
      insert();
    } catch (err) {
      rmSync(path, { force: true });
      throw err;
    }
    return toRecording(row);
  }

  /** Newest first, optionally only one speaker's. `page` counts from 1; `pageSize` is 1..MAX_PAGE_SIZE. */
  list(page = 1, pageSize = 20, speaker: string | null = null): RecordingPage {
    if (!Number.isInteger(page) || page < 1)
      throw new RangeError(`page must be an integer >= 1, got ${page}`);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
    }
    const where = speaker === null ? '' : 'WHERE speaker = @speaker';
    const read = this.db.transaction(() => {
      const total = this.db
        .prepare(`SELECT count(*) FROM recordings ${where}`)
        .pluck()
        .get({ speaker }) as number;
      const rows = this.db
        .prepare(`SELECT * FROM recordings ${where} ORDER BY rowid DESC LIMIT @limit OFFSET @offset`)
        .all({ speaker, limit: pageSize, offset: (page - 1) * pageSize }) as Row[];
      return { total, rows };
    });
    const { total, rows } = read();
    return { items: rows.map(toRecording), page, pageSize, total };
  }

  get(id: string): Recording | null {
    const row = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecording(row) : null;
  }

  /** Where the recording's original bytes are, or null if there is no such recording. */
  audio(id: string): RecordingAudio | null {
    const row = this.db.prepare('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    if (!row) return null;
    return {
      path: join(this.audioDir, `${row.id}.${row.audio_ext}`),
      mimeType: row.mime_type,
      sizeBytes: row.size_bytes,
      fileName: row.file_name,
    };
  }

  /**
   * The descriptor vectors of `kind` stored with `speaker`'s recordings, oldest first; with
   * `limit`, only the newest `limit` of them.
   */
  speakerDescriptors(speaker: string, kind: string, limit = Number.MAX_SAFE_INTEGER): Float32Array[] {
    const blobs = this.db
      .prepare(
        `SELECT d.vector FROM descriptors d JOIN recordings r ON r.id = d.recording_id
         WHERE r.speaker = ? AND d.kind = ? ORDER BY r.rowid DESC LIMIT ?`,
      )
      .pluck()
      .all(speaker, kind, limit) as Buffer[];
    return blobs.reverse().map(blobToVector);
  }

  /** Number of `speaker`'s recordings (with a descriptor vector of `kind`, when given). */
  speakerCount(speaker: string, kind: string | null = null): number {
    if (kind === null) {
      return this.db
        .prepare('SELECT count(*) FROM recordings WHERE speaker = ?')
        .pluck()
        .get(speaker) as number;
    }
    return this.db
      .prepare(
        `SELECT count(*) FROM descriptors d JOIN recordings r ON r.id = d.recording_id
         WHERE r.speaker = ? AND d.kind = ?`,
      )
      .pluck()
      .get(speaker, kind) as number;
  }

  /** Every named speaker, most recently heard first. */
  speakers(): SpeakerSummary[] {
    const read = this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT speaker, count(*) AS recordings, max(created_at) AS last
           FROM recordings WHERE speaker IS NOT NULL GROUP BY speaker ORDER BY max(rowid) DESC`,
        )
        .all() as { speaker: string; recordings: number; last: string }[];
      const kinds = this.db
        .prepare(
          `SELECT r.speaker AS speaker, d.kind AS kind, count(*) AS n
           FROM descriptors d JOIN recordings r ON r.id = d.recording_id
           WHERE r.speaker IS NOT NULL GROUP BY r.speaker, d.kind`,
        )
        .all() as { speaker: string; kind: string; n: number }[];
      return { rows, kinds };
    });
    const { rows, kinds } = read();
    return rows.map((r) => ({
      speaker: r.speaker,
      recordings: r.recordings,
      lastRecordedAt: r.last,
      descriptors: Object.fromEntries(kinds.filter((k) => k.speaker === r.speaker).map((k) => [k.kind, k.n])),
    }));
  }

  /** Deletes the row (its descriptor vectors go with it), then its file. Returns false if there was no such recording. */
  delete(id: string): boolean {
    const row = this.db.prepare('SELECT audio_ext FROM recordings WHERE id = ?').get(id) as
      Pick<Row, 'audio_ext'> | undefined;
    if (!row) return false;
    const changes = this.db.prepare('DELETE FROM recordings WHERE id = ?').run(id).changes;
    rmSync(join(this.audioDir, `${id}.${row.audio_ext}`), { force: true });
    return changes > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
