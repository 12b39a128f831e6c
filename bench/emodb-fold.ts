import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readWav16 } from './wav16.js';

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
    const { samples, sampleRate } = await readWav16(join(dir, file));
    if (sampleRate !== 16000) throw new Error(`${file}: expected 16 kHz, got ${sampleRate} Hz`);
    clips.push({ samples, label: labels.indexOf(emotion), speaker });
  }
  return { clips, labels };
}
