import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from './db.js';
import { extensionForMime, sweepOrphans, writeFileAtomic } from './audio-files.js';

/** What the store keeps of a prediction (the shape of Predictor's Prediction). */
export interface StoredPrediction {
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
}

export interface NewRecording {
  /** The original upload, stored byte for byte. */
  bytes: Uint8Array;
  mimeType: string;
  fileName?: string | null;
  durationSec: number;
  modelId: string;
  prediction: StoredPrediction;
}

export interface Recording {
  id: string;
  createdAt: string;
  fileName: string | null;
  mimeType: string;
  sizeBytes: number;
  durationSec: number;
  modelId: string;
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
    prediction: JSON.parse(r.prediction) as StoredPrediction,
  };
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

  create(input: NewRecording, now: Date = new Date()): Recording {
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
    };
    try {
      this.db
        .prepare(
          `INSERT INTO recordings (id, created_at, file_name, mime_type, audio_ext, size_bytes,
             duration_sec, model_id, label, prediction)
           VALUES (@id, @created_at, @file_name, @mime_type, @audio_ext, @size_bytes,
             @duration_sec, @model_id, @label, @prediction)`,
        )
        .run(row);
    } catch (err) {
      rmSync(path, { force: true });
      throw err;
    }
    return toRecording(row);
  }

  /** Newest first. `page` counts from 1; `pageSize` is 1..MAX_PAGE_SIZE. */
  list(page = 1, pageSize = 20): RecordingPage {
    if (!Number.isInteger(page) || page < 1)
      throw new RangeError(`page must be an integer >= 1, got ${page}`);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
    }
    const read = this.db.transaction(() => {
      const total = this.db.prepare('SELECT count(*) FROM recordings').pluck().get() as number;
      const rows = this.db
        .prepare('SELECT * FROM recordings ORDER BY rowid DESC LIMIT ? OFFSET ?')
        .all(pageSize, (page - 1) * pageSize) as Row[];
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

  /** Deletes the row, then its file. Returns false if there was no such recording. */
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
