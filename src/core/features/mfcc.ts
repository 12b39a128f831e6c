/**
 * MFCC as torchaudio.transforms.MFCC (dct_type 2, norm 'ortho', log_mels false): dB mel
 * spectrogram (top_db clamp over the utterance) -> orthonormal DCT-II -> nMfcc coefficients,
 * then optional liftering.
 */
import type { FeatureConfig, FeatureConfigInput } from './config.js';
import { parseFeatureConfig } from './config.js';
import { dctRows } from './dct.js';
import { lifterRowsInPlace } from './lifter.js';
import { logMelDb, MEL_DB_AMIN } from './logmel.js';
import { applyMelFilterbank, melFilterbank } from './mel.js';
import { powerToDb } from './db.js';
import type { Spectrogram } from './stft.js';
import type { FeatureMatrix } from './matrix.js';

/** DCT and lifter of dB mel rows -> frames x nMfcc. */
function cepstra(db: Float64Array, frames: number, cfg: FeatureConfig) {
  const c = dctRows(db, frames, cfg.nMels, cfg.nMfcc);
  lifterRowsInPlace(c, cfg.nMfcc, cfg.lifter);
  return { data: c, frames, nMfcc: cfg.nMfcc };
}

/** frames x nMfcc in double precision, for a validated config. */
export function mfccRows(
  x: ArrayLike<number>,
  cfg: FeatureConfig,
): { data: Float64Array; frames: number; nMfcc: number } {
  const db = logMelDb(x, cfg);
  return cepstra(db.data, db.frames, cfg);
}

/**
 * MFCC rows from a power spectrogram the caller already has, computed with cfg's framing
 * (nFft, winLength, hopLength, window, centring, power; no pre-emphasis): the same values
 * mfccRows gives for the signal, without a second FFT pass.
 */
export function mfccRowsFromPowerSpectrogram(
  spec: Spectrogram,
  cfg: FeatureConfig,
): { data: Float64Array; frames: number; nMfcc: number } {
  const mel = applyMelFilterbank(spec, melFilterbank(cfg));
  return cepstra(powerToDb(mel, cfg.topDb, MEL_DB_AMIN, 1, mel), spec.frames, cfg);
}

/** frames x nMfcc MFCC. Static features only: deltaOrder applies in extractFeatures. */
export function mfcc(x: Float32Array, cfg: Partial<FeatureConfigInput> = {}): FeatureMatrix {
  const m = mfccRows(x, parseFeatureConfig(cfg));
  return { data: Float32Array.from(m.data), frames: m.frames, coeffs: m.nMfcc };
}
