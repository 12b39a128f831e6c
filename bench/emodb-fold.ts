import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFile } from '../src/node/decode.js';

export interface Clip {
  samples: Float32Array;
  label: number;
  speaker: string;
}

/**
 * The training set of one leave-one-speaker-out fold of EMO-DB: every clip whose speaker is
 * not `heldOutSpeaker`, read from MANIFEST.tsv. Labels are indices into the sorted emotion set.
 */
export async function readEmodbTrainingFold(
  dir: string,
  heldOutSpeaker = '03',
): Promise<{ clips: Clip[]; labels: string[] }> {
  const rows = (await readFile(join(dir, 'MANIFEST.tsv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'));
  const labels = [...new Set(rows.map((r) => r[2]))].sort();
  const clips: Clip[] = [];
  for (const [file, speaker, emotion] of rows) {
    if (speaker === heldOutSpeaker) continue;
    const { samples } = await decodeFile(join(dir, file), { targetSampleRate: 16000 });
    clips.push({ samples, label: labels.indexOf(emotion), speaker });
  }
  return { clips, labels };
}
