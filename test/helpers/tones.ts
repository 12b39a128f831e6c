/**
 * Synthetic "voices" for tests and the tiny test bundle: a harmonic tone with a pitch glide,
 * a syllable-like amplitude envelope and a little noise, all from a seeded RNG.
 */
import { seededRng } from '../../src/core/random.js';
import type { Utterance } from '../../src/node/datasets/types.js';

/** mulberry32 (the product's own seeded generator): floats in [0, 1). */
export const seededRandom = seededRng;

export interface ToneOptions {
  /** Pitch at the start and end of the clip (linear glide), Hz. */
  startHz: number;
  endHz: number;
  durationSec: number;
  sampleRate?: number;
  /** Peak amplitude, 0..1. */
  amplitude?: number;
  /** Standard deviation of white noise added, relative to full scale. */
  noise?: number;
  /** Syllables per second (amplitude modulation rate). */
  syllableHz?: number;
  rng?: () => number;
}

export function voiceLikeTone({
  startHz,
  endHz,
  durationSec,
  sampleRate = 16000,
  amplitude = 0.5,
  noise = 0.01,
  syllableHz = 4,
  rng = seededRandom(1),
}: ToneOptions): Float32Array {
  const n = Math.round(durationSec * sampleRate);
  const out = new Float32Array(n);
  let phase = 0;
  const phase0 = rng() * Math.PI * 2;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const f0 = startHz + ((endHz - startHz) * i) / Math.max(1, n - 1);
    phase += (2 * Math.PI * f0) / sampleRate;
    let v = 0;
    for (let h = 1; h <= 5; h++) v += Math.sin(h * phase) / h;
    const env = 0.55 + 0.45 * Math.sin(2 * Math.PI * syllableHz * t + phase0);
    const gauss = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    out[i] = amplitude * 0.6 * v * env + noise * gauss;
  }
  return out;
}

/** Labels of the tiny test bundle (test/fixtures/bundles/tiny, made by scripts/make-test-bundle.ts). */
export const TINY_LABELS = ['sadness', 'neutral', 'happiness'] as const;

/**
 * One synthetic clip of TINY_LABELS[k] with random pitch, rate, loudness and length:
 * sadness = low falling pitch (100-150 Hz), slow and quiet; neutral = mid flat (170-230 Hz);
 * happiness = high rising (280-400 Hz), fast and loud.
 */
export function tinyClip(k: number, rng: () => number, durationSec = 0.6 + 1.6 * rng()): Float32Array {
  const u = () => rng();
  if (k === 0) {
    const f = 100 + 50 * u();
    return voiceLikeTone({
      startHz: f * 1.1,
      endHz: f * 0.85,
      durationSec,
      amplitude: 0.15 + 0.1 * u(),
      syllableHz: 2 + u(),
      rng,
    });
  }
  if (k === 1) {
    const f = 170 + 60 * u();
    return voiceLikeTone({
      startHz: f,
      endHz: f,
      durationSec,
      amplitude: 0.3 + 0.1 * u(),
      syllableHz: 3.5 + u(),
      rng,
    });
  }
  const f = 280 + 120 * u();
  return voiceLikeTone({
    startHz: f * 0.9,
    endHz: f * 1.15,
    durationSec,
    amplitude: 0.5 + 0.2 * u(),
    syllableHz: 6 + u(),
    rng,
  });
}

/**
 * A synthetic one-corpus training set: `perClass` clips of each TINY_LABELS emotion per speaker,
 * drawn from `rng`, each `duration(rng)` seconds long.
 */
export function toneCorpus(
  speakers: string[],
  perClass: number,
  rng: () => number,
  duration: (rng: () => number) => number,
): { train: Utterance[]; signals: Map<string, Float32Array> } {
  const train: Utterance[] = [];
  const signals = new Map<string, Float32Array>();
  for (const s of speakers)
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < perClass; i++) {
        const path = `/synthetic/${s}/${TINY_LABELS[k]}-${i}.wav`;
        train.push({
          path,
          label: TINY_LABELS[k],
          speaker: s,
          corpus: 'synthetic',
          rawLabel: TINY_LABELS[k],
        });
        signals.set(path, tinyClip(k, rng, duration(rng)));
      }
  return { train, signals };
}
