/**
 * A tiny folder-layout corpus on disk (DIR/<label>/<speaker>/<n>.wav) of synthetic voice-like
 * tones (tones.ts): the three TINY_LABELS, each speaker with its own pitch and loudness offset
 * so that per-speaker normalisation has something to remove.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TINY_LABELS, seededRandom, tinyClip } from './tones.js';
import { encodeWav16 } from './wav-file.js';

/** A clip of label index k by speaker s (deterministic per seed). */
export function speakerClip(k: number, s: number, rng: () => number, durationSec?: number): Float32Array {
  const x = tinyClip(k, rng, durationSec);
  const gain = 0.7 + 0.3 * s; // speakers differ in loudness
  return x.map((v) => v * gain);
}

export function writeToneCorpus(dir: string, speakers = 3, perClass = 4, seed = 7): string[] {
  const rng = seededRandom(seed);
  const files: string[] = [];
  for (let s = 0; s < speakers; s++) {
    TINY_LABELS.forEach((label, k) => {
      const folder = join(dir, label, `s${s + 1}`);
      mkdirSync(folder, { recursive: true });
      for (let i = 0; i < perClass; i++) {
        const file = join(folder, `${i}.wav`);
        writeFileSync(file, encodeWav16(speakerClip(k, s, rng, 1 + 0.5 * rng())));
        files.push(file);
      }
    });
  }
  return files;
}

/** A small descriptor spec (MFCC statistics only) that keeps classical tests fast. */
export const SMALL_DESCRIPTORS = {
  nMfcc: 13,
  nMels: 26,
  deltaOrder: 1,
  functionals: ['mean', 'std', 'p10', 'p90'],
  descriptors: false,
} as const;
