/**
 * RAVDESS: labels from file names `MM-VV-EE-II-SS-RR-AA.ext` (modality, vocal channel,
 * emotion, intensity, statement, repetition, actor). Only speech (vocal channel 01) is used;
 * the actor is the speaker.
 */
import { CORPUS_LABELS } from '../../core/labels.js';
import { readNamedCorpus, type ParsedName } from './named.js';
import type { CorpusReadResult } from './types.js';

const NAME = /^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.(wav|flac)$/i;

export function parseRavdessName(fileName: string): ParsedName {
  const m = NAME.exec(fileName);
  if (!m) return { error: 'file name is not in RAVDESS form (e.g. 03-01-05-01-02-01-12.flac)' };
  if (m[2] !== '01') return { error: `vocal channel ${m[2]} is song, not speech (only 01 = speech is used)` };
  const code = m[3] as keyof typeof CORPUS_LABELS.ravdess;
  const label = CORPUS_LABELS.ravdess[code];
  if (!label) {
    return {
      error: `unknown RAVDESS emotion code '${m[3]}' (accepted: ${Object.keys(CORPUS_LABELS.ravdess).join(' ')})`,
    };
  }
  return { label, speaker: m[7], rawLabel: code };
}

export function readRavdess(dir: string): Promise<CorpusReadResult> {
  return readNamedCorpus('ravdess', dir, parseRavdessName);
}
