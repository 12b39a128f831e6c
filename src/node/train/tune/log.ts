/**
 * What makes `emovox tune` resumable: OUT/tune.json records the search's settings (a different
 * search in the same folder is refused), and OUT/trials.jsonl gets one JSON line per finished
 * trial, written with an fsync, so a run killed at any moment loses at most the trial in progress.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify, TuneError, type Params } from './space.js';

export interface TrialRecord {
  /** Position in the search's plan (0-based). */
  index: number;
  /** canonicalKey(params): how a re-run recognises a finished trial. */
  key: string;
  /** Dotted key -> value, as in the space file. */
  params: Params;
  /** The options the trial ran with (deep: trainer options; classical: evaluate's option names). */
  options: Record<string, unknown>;
  /** Inner-validation figures on training speakers only (null when the trial failed). */
  valUar: number | null;
  valWa: number | null;
  /** Mean cross-entropy of the validation predictions. */
  valLoss: number | null;
  /** Deep: the epoch whose weights the trainer kept (mean over inner folds); classical: null. */
  epochs: number | null;
  seconds: number;
  /** Why the trial failed (bad combination, diverged loss...); failed trials rank last. */
  error?: string;
  finishedAt: string;
}

export const TRIALS_FILE = 'trials.jsonl';
export const SETTINGS_FILE = 'tune.json';

/**
 * Finished trials in file order. A last line cut short by a kill is dropped and cut off the
 * file, so that the next append starts on a fresh line.
 */
export function readTrials(dir: string): TrialRecord[] {
  const file = join(dir, TRIALS_FILE);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(file, Buffer.byteLength(text.slice(0, end)));
  return text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as TrialRecord;
      } catch {
        throw new TuneError(`${file} line ${i + 1} is not JSON; fix or remove that line to resume`);
      }
    });
}

/** Appends one trial as a JSON line and fsyncs it before returning. */
export function appendTrial(dir: string, record: TrialRecord): void {
  const fd = openSync(join(dir, TRIALS_FILE), 'a');
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The settings that define a search; `trials` may change between runs of the same search. */
export interface SearchSettings {
  corpus: string;
  data: string;
  model: string;
  search: string;
  seed: number;
  space: unknown;
  excludeSpeakers: string[];
  inner: string;
  valSpeakers: number | null;
  epochs: number | null;
  trials: number | null;
  /** LOCO searches only (absent in LOSO ones, so that older folders still resume). */
  protocol?: string;
  excludeCorpus?: string | null;
  features?: string;
  augment?: number;
  corpusWeight?: boolean;
}

function writeSettings(file: string, s: SearchSettings): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ formatVersion: 1, ...s }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Records the settings in a new folder, or checks them against the folder's: every setting but
 * `trials` must match, else TuneError naming what differs.
 */
export function claimFolder(dir: string, s: SearchSettings): void {
  const file = join(dir, SETTINGS_FILE);
  if (!existsSync(file)) {
    writeSettings(file, s);
    return;
  }
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new TuneError(`${file} is not valid JSON; use another --out folder`);
  }
  const differs = (Object.keys(s) as (keyof SearchSettings)[])
    .filter((k) => k !== 'trials' && stableStringify(old[k] ?? null) !== stableStringify(s[k]))
    .map((k) =>
      k === 'space'
        ? 'space (the space file changed)'
        : `${k} (${JSON.stringify(old[k] ?? null)} there, ${JSON.stringify(s[k])} now)`,
    );
  if (differs.length > 0) {
    throw new TuneError(
      `${dir} holds a different search: ${differs.join(', ')}. Resume it with its original settings, or use another --out folder`,
    );
  }
  if (old.trials !== s.trials) writeSettings(file, s);
}
