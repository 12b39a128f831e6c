/**
 * ASED v1 (Amharic Speech Emotion Dataset): labels from file names `XN-SS-RR-GG-PP.flac` in
 * folders `0N<Emotion>`: X emotion letter (n neutral, f fearful, h happy, s sad, a angry), N its
 * folder number (1-5), SS sentence, RR repetition, GG gender (01 female, 02 male), PP speaker.
 *
 * The release holds four pairs of byte-identical files (the same recording under two
 * repetition numbers); the first of each pair is kept and the second reported as a problem,
 * so a clip never sits on both sides of a split.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CORPUS_LABELS } from '../../core/labels.js';
import { readNamedCorpus, type ParsedName } from './named.js';
import type { CorpusReadResult, Utterance } from './types.js';

const NAME = /^([nfhsa])([1-5])-(\d\d)-(\d\d)-(0[12])-(\d\d)\.(wav|flac)$/i;
const FOLDER_OF = { n: '1', f: '2', h: '3', s: '4', a: '5' } as const;

export function parseAsedName(fileName: string): ParsedName {
  const m = NAME.exec(fileName);
  if (!m) {
    return {
      error:
        'file name is not in ASED form (e.g. n1-01-01-01-05.flac: emotion letter and folder number, sentence, repetition, gender, speaker)',
    };
  }
  const code = m[1].toLowerCase() as keyof typeof CORPUS_LABELS.ased;
  if (FOLDER_OF[code] !== m[2]) {
    return { error: `emotion letter '${m[1]}' goes with folder number ${FOLDER_OF[code]}, not ${m[2]}` };
  }
  return { label: CORPUS_LABELS.ased[code], speaker: m[6], rawLabel: code };
}

/** Keeps the first of every group of byte-identical files; the rest become problems. */
export async function dropByteIdentical(r: CorpusReadResult): Promise<CorpusReadResult> {
  const first = new Map<string, Utterance>();
  const utterances: Utterance[] = [];
  const problems = [...r.problems];
  for (const u of r.utterances) {
    const hash = createHash('sha256')
      .update(await readFile(u.path))
      .digest('hex');
    const seen = first.get(hash);
    if (seen) {
      problems.push({
        path: u.path,
        reason: `byte-identical duplicate of ${basename(seen.path)} (kept that one)`,
      });
    } else {
      first.set(hash, u);
      utterances.push(u);
    }
  }
  return { utterances, problems };
}

export async function readAsed(dir: string): Promise<CorpusReadResult> {
  return dropByteIdentical(await readNamedCorpus('ased', dir, parseAsedName));
}
