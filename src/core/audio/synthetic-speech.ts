/**
 * A synthetic voiced signal at 16 kHz for warming up and testing the scoring path without a
 * recording: a harmonic series whose F0 moves like intonation, a syllable envelope and a
 * formant-like spectral tilt, seeded. The queue worker scores a few of these before it takes
 * jobs (src/node/queue/score.ts warmUpScoring), so V8 has compiled the hot code by then; the
 * VAD and streaming tests use it as "speech" (test/helpers/speech-like.ts).
 */
import { seededRng } from '../random.js';

const SR = 16_000;

/**
 * `durationSec` of voiced "speech": F0 gliding around `f0Hz` (+-20 %, 0.7 Hz), 4-5 syllables a
 * second (raised-cosine envelope with short dips), 12 harmonics falling 6 dB/octave.
 */
export function voicedSpeech(durationSec: number, f0Hz = 160, seed = 1, amplitude = 0.3): Float32Array {
  const rng = seededRng(seed);
  const n = Math.round(durationSec * SR);
  const out = new Float32Array(n);
  let phase = 0;
  const syll = 4 + rng();
  const p0 = rng() * 2 * Math.PI;
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    const f0 = f0Hz * (1 + 0.2 * Math.sin(2 * Math.PI * 0.7 * t + p0));
    phase += (2 * Math.PI * f0) / SR;
    let v = 0;
    for (let h = 1; h <= 12; h++) if (h * f0 < SR / 2) v += Math.sin(h * phase) / h;
    const s = Math.sin(Math.PI * syll * t);
    const env = Math.min(1, 1.3 * s * s);
    // Fade the first and last 20 ms.
    const edge = Math.min(1, t / 0.02, (durationSec - t) / 0.02);
    out[i] = amplitude * 0.5 * v * env * edge;
  }
  return out;
}
