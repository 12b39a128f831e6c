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

/** Reused padding buffer of forEachPowerFrame (grow-only; saves an allocation per signal). */
let padScratch = new Float64Array(0);

/**
 * Frames of a signal ready for the FFT: the (padded) signal, frame count and the nFft-long
 * window. With `reuse`, the padded signal lives in a shared buffer that the next call overwrites.
 */
export function stftFrames(
  x: ArrayLike<number>,
  cfg: StftConfig,
  reuse: boolean = false,
): { padded: Float64Array; frames: number; window: Float64Array } {
  const { nFft, hopLength, center } = cfg;
  const frames = frameCount(x.length, nFft, hopLength, center);
  if (frames === 0) {
    throw new FeatureError(
      `the signal has ${x.length} samples, shorter than one frame of nFft = ${nFft} samples ` +
        '(use centred frames or a longer signal)',
    );
  }
  // Always a Float64Array, so the FFT's load loop sees one array type (stays monomorphic).
  let out: Float64Array | undefined;
  if (reuse) {
    const need = x.length + (center ? nFft : 0);
    if (padScratch.length < need) padScratch = new Float64Array(Math.max(need, 2 * padScratch.length));
    out = padScratch;
  }
  const padded = center
    ? padSignal(x, nFft >> 1, cfg.padMode, out)
    : out
      ? (out.set(x), out.subarray(0, x.length))
      : Float64Array.from(x);
  return { padded, frames, window: paddedWindow(cfg.window, cfg.winLength, nFft) };
}

/**
 * Calls onFrame(t, row) with the |FFT|^power row of every frame; `row` is a scratch buffer of
 * nFft / 2 + 1 values reused between calls (consume it before returning).
 */
export function forEachPowerFrame(
  x: ArrayLike<number>,
  cfg: StftConfig,
  onFrame: (t: number, row: Float64Array) => void,
): number {
  const { padded, frames, window } = stftFrames(x, cfg, true);
  const plan = realFftPlan(cfg.nFft);
  const row = new Float64Array((cfg.nFft >> 1) + 1);
  for (let t = 0; t < frames; t++) {
    powerSpectrumInto(plan, padded, row, cfg.power, t * cfg.hopLength, 0, window);
    onFrame(t, row);
  }
  return frames;
}

export function powerSpectrogram(x: ArrayLike<number>, cfg: StftConfig): Spectrogram {
  const { padded, frames, window } = stftFrames(x, cfg);
  const bins = (cfg.nFft >> 1) + 1;
  const data = new Float64Array(frames * bins);
  const plan = realFftPlan(cfg.nFft);
  for (let t = 0; t < frames; t++) {
    powerSpectrumInto(plan, padded, data, cfg.power, t * cfg.hopLength, t * bins, window);
  }
  return { data, frames, bins };
}
