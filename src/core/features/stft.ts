/**
 * Power (or magnitude) spectrogram: optional centring pad, frames every hopLength samples, a
 * window of winLength centred in nFft (torch.stft convention), |FFT|^power for bins 0..nFft/2.
 */
import type { FeatureConfig } from './config.js';
import { realFftPlan, powerSpectrumInto } from './fft.js';
import { frameCount, padSignal } from './frame.js';
import { FeatureError } from './matrix.js';
import { centredWindowOffset, makeWindow } from './window.js';

export type StftConfig = Pick<
  FeatureConfig,
  'nFft' | 'winLength' | 'hopLength' | 'window' | 'center' | 'padMode' | 'power'
>;

/** Frames-major spectrogram in double precision: `frames` rows of `bins` = nFft / 2 + 1 values. */
export interface Spectrogram {
  data: Float64Array;
  frames: number;
  bins: number;
}

const paddedWindows = new Map<string, Float64Array>();

/** The analysis window zero-padded to nFft, centred (cached per kind, length and nFft). */
export function paddedWindow(kind: StftConfig['window'], winLength: number, nFft: number): Float64Array {
  const key = `${kind}:${winLength}:${nFft}`;
  let w = paddedWindows.get(key);
  if (!w) {
    w = new Float64Array(nFft);
    w.set(makeWindow(kind, winLength), centredWindowOffset(winLength, nFft));
    paddedWindows.set(key, w);
  }
  return w;
}

export function powerSpectrogram(x: ArrayLike<number>, cfg: StftConfig): Spectrogram {
  const { nFft, hopLength, center, power } = cfg;
  const frames = frameCount(x.length, nFft, hopLength, center);
  if (frames === 0) {
    throw new FeatureError(
      `the signal has ${x.length} samples, shorter than one frame of nFft = ${nFft} samples ` +
        '(use centred frames or a longer signal)',
    );
  }
  const padded = center ? padSignal(x, nFft >> 1, cfg.padMode) : x;
  const bins = (nFft >> 1) + 1;
  const data = new Float64Array(frames * bins);
  const plan = realFftPlan(nFft);
  const w = paddedWindow(cfg.window, cfg.winLength, nFft);
  for (let t = 0; t < frames; t++) powerSpectrumInto(plan, padded, data, power, t * hopLength, t * bins, w);
  return { data, frames, bins };
}
