/**
 * Synthetic speech and non-speech for the VAD and streaming tests: a voiced signal (harmonic
 * series whose F0 moves like intonation, syllable envelope, formant-like spectral tilt) and the
 * noises a VAD must refuse (mains hum, white and pink noise), all seeded.
 */
import { concatSamples } from '../../src/core/audio/signal.js';
import { seededRng } from '../../src/core/random.js';

export const SR = 16_000;

export { voicedSpeech } from '../../src/core/audio/synthetic-speech.js';

/** Mains hum: `baseHz` and its harmonics up to the 8th, amplitude falling as 1/h. */
export function hum(durationSec: number, baseHz = 50, amplitude = 0.2): Float32Array {
  const out = new Float32Array(Math.round(durationSec * SR));
  for (let i = 0; i < out.length; i++)
    for (let h = 1; h <= 8; h++) out[i] += (amplitude / h) * Math.sin((2 * Math.PI * baseHz * h * i) / SR);
  return out;
}

/** Gaussian white noise of standard deviation `sd`. */
export function whiteNoise(durationSec: number, sd = 0.05, seed = 1): Float32Array {
  const rng = seededRng(seed);
  const out = new Float32Array(Math.round(durationSec * SR));
  for (let i = 0; i < out.length; i++)
    out[i] = sd * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return out;
}

/** Pink (1/f) noise by Paul Kellet's filter of white noise, scaled to standard deviation ~`sd`. */
export function pinkNoise(durationSec: number, sd = 0.05, seed = 1): Float32Array {
  const w = whiteNoise(durationSec, 1, seed);
  const out = new Float32Array(w.length);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i];
    b0 = 0.99886 * b0 + x * 0.0555179;
    b1 = 0.99332 * b1 + x * 0.0750759;
    b2 = 0.969 * b2 + x * 0.153852;
    b3 = 0.8665 * b3 + x * 0.3104856;
    b4 = 0.55 * b4 + x * 0.5329522;
    b5 = -0.7616 * b5 - x * 0.016898;
    out[i] = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + x * 0.5362) * 0.11 * sd * 2;
    b6 = x * 0.115926;
  }
  return out;
}

/** Concatenates signals. */
export const concat = (...parts: Float32Array[]): Float32Array => concatSamples(parts);

/** `a + b` sample by sample (b looped if shorter). */
export function mix(a: Float32Array, b: Float32Array): Float32Array {
  return Float32Array.from(a, (v, i) => v + b[i % b.length]);
}
