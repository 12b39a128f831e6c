import type { Emotion } from '../../core/labels.js';
import { EmovoxError } from '../../core/errors.js';

/** One labelled recording of a corpus. */
export interface Utterance {
  /** Absolute path of the audio file. */
  path: string;
  /** Canonical emotion (src/core/labels.ts). */
  label: Emotion;
  /** Speaker id as the corpus gives it ('unknown' when the layout has none). */
  speaker: string;
  corpus: string;
  /** The corpus's own label or code before mapping, e.g. 'W' (EMO-DB) or '05' (RAVDESS). */
  rawLabel: string;
}

/** A file that could not be used, and why. */
export interface CorpusProblem {
  path: string;
  reason: string;
}

export interface CorpusReadResult {
  utterances: Utterance[];
  problems: CorpusProblem[];
}

export const CORPUS_KINDS = ['emodb', 'ravdess', 'ased', 'folder', 'manifest'] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];

/** A corpus folder or manifest that cannot be read at all (user-facing). */
export class CorpusError extends EmovoxError {
  constructor(message: string) {
    super('BAD_CORPUS', message);
  }
}
