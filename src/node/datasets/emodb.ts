/** EMO-DB (Berlin Database of Emotional Speech): labels from file names like `03a01Fa.wav`. */
import { CORPUS_LABELS } from '../../core/labels.js';
import { readNamedCorpus, type ParsedName } from './named.js';
import type { CorpusReadResult } from './types.js';

const NAME = /^(\d\d)([a-z]\d\d)([A-Z])([a-z])\.wav$/;

/** Characters 1-2 speaker, 3-5 text, 6 emotion letter (German initial), 7 version. */
export function parseEmodbName(fileName: string): ParsedName {
  const m = NAME.exec(fileName);
  if (!m)
    return {
      error: `file name is not in EMO-DB form (e.g. 03a01Fa.wav: speaker, text, emotion letter, version)`,
    };
  const code = m[3] as keyof typeof CORPUS_LABELS.emodb;
  const label = CORPUS_LABELS.emodb[code];
  if (!label) {
    return {
      error: `unknown EMO-DB emotion letter '${m[3]}' (accepted: ${Object.keys(CORPUS_LABELS.emodb).join(' ')})`,
    };
  }
  return { label, speaker: m[1], rawLabel: code };
}

export function readEmodb(dir: string): Promise<CorpusReadResult> {
  return readNamedCorpus('emodb', dir, parseEmodbName);
}
