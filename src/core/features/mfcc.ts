/**
 * MFCC as torchaudio.transforms.MFCC (dct_type 2, norm 'ortho', log_mels false): dB mel
 * spectrogram (top_db clamp over the utterance) -> orthonormal DCT-II -> nMfcc coefficients,
 * then optional liftering.
 */
import type { FeatureConfig, FeatureConfigInput } from './config.js';
import { parseFeatureConfig } from './config.js';
import { dctRows } from './dct.js';
import { lifterRowsInPlace } from './lifter.js';
import { logMelDb } from './logmel.js';
import type { FeatureMatrix } from './matrix.js';

/** frames x nMfcc in double precision, for a validated config. */
export function mfccRows(
  x: ArrayLike<number>,
  cfg: FeatureConfig,
): { data: Float64Array; frames: number; nMfcc: number } {
  const db = logMelDb(x, cfg);
  const c = dctRows(db.data, db.frames, db.nMels, cfg.nMfcc);
  lifterRowsInPlace(c, cfg.nMfcc, cfg.lifter);
  return { data: c, frames: db.frames, nMfcc: cfg.nMfcc };
}

/** frames x nMfcc MFCC. Static features only: deltaOrder applies in extractFeatures. */
export function mfcc(x: Float32Array, cfg: Partial<FeatureConfigInput> = {}): FeatureMatrix {
  const m = mfccRows(x, parseFeatureConfig(cfg));
  return { data: Float32Array.from(m.data), frames: m.frames, coeffs: m.nMfcc };
}
