/**
 * Training-time augmentation, all drawn from a seeded Rng so runs are reproducible:
 * signal domain — gain, additive white noise at a chosen SNR, speed perturbation by
 * resampling (tempo and pitch change together, as in Kaldi's 3-way speed perturbation);
 * feature domain — SpecAugment time and frequency masks.
 */
import { z } from 'zod';
import { speedPerturb } from '../../core/channel/chain.js';
import { pitchShift } from '../../core/channel/pitch.js';
import type { Rng } from '../../core/random.js';

export const AugmentOptionsSchema = z.object({
  /**
   * Augmented copies of each training utterance made once (their features are cached); 0 = none,
   * the default for every network: with two copies the waveform cnn1d-lstm ended at 0.55-0.72
   * training accuracy after 30 epochs (it underfit; 0.78 and rising without them, one EMO-DB
   * training run, 2026-11-30), and networks on features get SpecAugment instead.
   */
  copies: z.number().int().min(0).max(10).default(0),
  /** Random gain in [-gainDb, +gainDb] decibels. */
  gainDb: z.number().min(0).max(40).default(6),
  /** Additive white noise at an SNR drawn from [min, max] dB, with probability noiseProbability. */
  noiseSnrDb: z.tuple([z.number(), z.number()]).default([10, 30]),
  noiseProbability: z.number().min(0).max(1).default(0.5),
  /** Speed factors to choose from (1 = unchanged). */
  speedFactors: z.array(z.number().min(0.5).max(2)).min(1).default([0.9, 1, 1.1]),
  /**
   * Pitch perturbation at the same tempo (src/core/channel/pitch.ts), after the speed change, with
   * this probability (0 = off, the default, and no random draw is made); the shift is drawn
   * uniformly in pitchSemitones.
   */
  pitchProbability: z.number().min(0).max(1).default(0),
  pitchSemitones: z
    .tuple([z.number().min(-12).max(12), z.number().min(-12).max(12)])
    .refine(([lo, hi]) => lo <= hi, 'pitchSemitones must be [low, high] with low <= high')
    .default([-2, 2]),
  /** SpecAugment: number of time masks and their maximum width in frames. */
  timeMasks: z.number().int().min(0).default(2),
  timeMaskFrames: z.number().int().min(0).default(20),
  /** SpecAugment: number of frequency masks and their maximum width in coefficients. */
  freqMasks: z.number().int().min(0).default(2),
  freqMaskCoeffs: z.number().int().min(0).default(6),
});
export type AugmentOptions = z.infer<typeof AugmentOptionsSchema>;
export const NO_AUGMENTATION: AugmentOptions = AugmentOptionsSchema.parse({
  copies: 0,
  timeMasks: 0,
  freqMasks: 0,
});

/** Multiplies by 10^(gainDb/20); returns a new array. */
export function applyGain(x: Float32Array, gainDb: number): Float32Array {
  const g = Math.pow(10, gainDb / 20);
  return Float32Array.from(x, (v) => v * g);
}

/** Adds white Gaussian noise so that signal power / noise power = snrDb; returns a new array. */
export function addNoiseAtSnr(x: Float32Array, snrDb: number, rng: Rng): Float32Array {
  let power = 0;
  for (const v of x) power += v * v;
  power /= Math.max(1, x.length);
  const sigma = Math.sqrt(power / Math.pow(10, snrDb / 10));
  return Float32Array.from(x, (v) => v + sigma * rng.normal());
}

/** Speed perturbation (factor 1.1 plays 10 % faster and higher): the channel step's own function. */
export { speedPerturb };

/** One random augmented copy of a signal: speed, then (sometimes) pitch, then gain, then (sometimes) noise. */
export async function augmentSignal(
  x: Float32Array,
  sampleRate: number,
  opts: AugmentOptions,
  rng: Rng,
): Promise<Float32Array> {
  const factor = opts.speedFactors[rng.int(opts.speedFactors.length)];
  let y = await speedPerturb(x, factor, sampleRate);
  if (opts.pitchProbability > 0 && rng.next() < opts.pitchProbability)
    y = pitchShift(y, rng.uniform(opts.pitchSemitones[0], opts.pitchSemitones[1]), sampleRate);
  y = applyGain(y, rng.uniform(-opts.gainDb, opts.gainDb));
  if (rng.next() < opts.noiseProbability)
    y = addNoiseAtSnr(y, rng.uniform(opts.noiseSnrDb[0], opts.noiseSnrDb[1]), rng);
  return y;
}

/**
 * SpecAugment (Park et al. 2019) in place on a frames-major window: `timeMasks` runs of up to
 * `timeMaskFrames` frames and `freqMasks` runs of up to `freqMaskCoeffs` coefficients are set
 * to `value` (0 = the normalised mean).
 */
export function specAugment(
  data: Float32Array,
  coeffs: number,
  opts: Pick<AugmentOptions, 'timeMasks' | 'timeMaskFrames' | 'freqMasks' | 'freqMaskCoeffs'>,
  rng: Rng,
  value = 0,
): Float32Array {
  const frames = Math.floor(data.length / coeffs);
  for (let m = 0; m < opts.timeMasks; m++) {
    const w = rng.int(Math.min(opts.timeMaskFrames, frames) + 1);
    const t0 = rng.int(frames - w + 1);
    data.fill(value, t0 * coeffs, (t0 + w) * coeffs);
  }
  for (let m = 0; m < opts.freqMasks; m++) {
    const w = rng.int(Math.min(opts.freqMaskCoeffs, coeffs) + 1);
    const c0 = rng.int(coeffs - w + 1);
    for (let t = 0; t < frames; t++) data.fill(value, t * coeffs + c0, t * coeffs + c0 + w);
  }
  return data;
}
