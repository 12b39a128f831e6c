/** Log-mel spectrogram: mel power in dB (10 log10, amin 1e-10, ref 1, clamped to max - topDb). */
import type { FeatureConfig, FeatureConfigInput } from './config.js';
import { parseFeatureConfig } from './config.js';
import { powerToDb } from './db.js';
import type { FeatureMatrix } from './matrix.js';
import { melPowerSpectrogram } from './mel-spectrogram.js';

/** Smallest power before the logarithm (torchaudio's amin). */
export const MEL_DB_AMIN = 1e-10;

/** dB mel spectrogram in double precision (frames x nMels), for a validated config. */
export function logMelDb(
  x: ArrayLike<number>,
  cfg: FeatureConfig,
): { data: Float64Array; frames: number; nMels: number } {
  const m = melPowerSpectrogram(x, cfg);
  return { data: powerToDb(m.data, cfg.topDb, MEL_DB_AMIN, 1, m.data), frames: m.frames, nMels: m.nMels };
}

/** frames x nMels log-mel (dB). Static features only: deltaOrder applies in extractFeatures. */
export function logMelSpectrogram(x: Float32Array, cfg: Partial<FeatureConfigInput> = {}): FeatureMatrix {
  const m = logMelDb(x, parseFeatureConfig(cfg));
  return { data: Float32Array.from(m.data), frames: m.frames, coeffs: m.nMels };
}
