/**
 * Mel power spectrogram (torchaudio.transforms.MelSpectrogram): pre-emphasis (if set) ->
 * power spectrogram -> mel filterbank. Returns frames x nMels in double precision.
 */
import type { FeatureConfig, FeatureConfigInput } from './config.js';
import { parseFeatureConfig } from './config.js';
import { FeatureError, type FeatureMatrix } from './matrix.js';
import { frameCount } from './frame.js';
import { melFilterbank, melRowInto } from './mel.js';
import { preEmphasis } from './preemphasis.js';
import { forEachPowerFrame } from './stft.js';

/** Throws a FeatureError for an empty signal or one holding NaN / Infinity. */
export function checkSignal(x: ArrayLike<number>): void {
  if (x.length === 0) throw new FeatureError('the signal is empty (0 samples)');
  // Fast path: x * 0 is 0 for every finite sample and NaN for NaN or +-Infinity. Four
  // independent sums, so the loop is not one long chain of dependent additions.
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n4 = x.length - (x.length % 4);
  for (let i = 0; i < n4; i += 4) {
    p0 += x[i] * 0;
    p1 += x[i + 1] * 0;
    p2 += x[i + 2] * 0;
    p3 += x[i + 3] * 0;
  }
  for (let i = n4; i < x.length; i++) p0 += x[i] * 0;
  if (p0 + p1 + p2 + p3 === 0) return;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new FeatureError(
        `the signal holds a non-finite sample (${x[i]}) at index ${i}; expected finite numbers`,
      );
    }
  }
}

export interface MelPower {
  data: Float64Array;
  frames: number;
  nMels: number;
}

export function melPowerSpectrogram(x: ArrayLike<number>, cfg: FeatureConfig): MelPower {
  checkSignal(x);
  const y = cfg.preEmphasis > 0 ? preEmphasis(Float64Array.from(x), cfg.preEmphasis) : x;
  // Fused per frame (spectrum row -> mel row) so the full spectrogram is never stored.
  const fb = melFilterbank(cfg);
  const frames = frameCount(y.length, cfg.nFft, cfg.hopLength, cfg.center);
  const data = new Float64Array(frames * cfg.nMels);
  forEachPowerFrame(y, cfg, (t, row) => melRowInto(row, 0, fb, data, t * cfg.nMels));
  return { data, frames, nMels: cfg.nMels };
}

/** The mel power spectrogram as a FeatureMatrix (frames x nMels), defaults filled in. */
export function melSpectrogram(x: Float32Array, cfg: Partial<FeatureConfigInput> = {}): FeatureMatrix {
  const m = melPowerSpectrogram(x, parseFeatureConfig(cfg));
  return { data: Float32Array.from(m.data), frames: m.frames, coeffs: m.nMels };
}
