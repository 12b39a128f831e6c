/**
 * The shared spectral machinery of the descriptor families: one pass of frame power spectra per
 * signal (the same frames the MFCCs use, so the MFCC statistics read them too), and band
 * weights precomputed once per configuration (inclusive bin ranges of Hz bands, per-bin
 * frequencies). Every family, present or future, takes a FrameSpectra instead of framing and
 * transforming the signal again.
 */
import { powerSpectrumInto, realFftPlan } from '../features/fft.js';
import type { Scratch } from '../features/scratch.js';
import { makeWindow } from '../features/window.js';

/** Power spectra of the centred frames: frames x bins, frames-major. */
export interface FrameSpectra {
  data: Float64Array;
  frames: number;
  bins: number;
}

export interface SpectraFraming {
  winLength: number;
  hopLength: number;
  nFft: number;
}

/**
 * Power spectra (Hann window of winLength centred in nFft, zero padding) of the centred frames
 * every hopLength samples: frame t covers samples t * hopLength - nFft / 2 .. + nFft, the
 * framing of torch.stft(center=True, pad_mode='constant') and so of the MFCCs. `scratch`: take
 * the frames x bins array from it (every value is written) instead of allocating one.
 */
export function framePowerSpectra(
  x: Float32Array,
  { winLength: W, hopLength: H, nFft }: SpectraFraming,
  scratch?: Scratch,
): FrameSpectra {
  const frames = 1 + Math.floor(x.length / H);
  const bins = nFft / 2 + 1;
  const plan = realFftPlan(nFft);
  const win = new Float64Array(nFft);
  win.set(makeWindow('hann', W), Math.floor((nFft - W) / 2));
  const frame = new Float64Array(nFft);
  const data = scratch ? scratch.take(frames * bins) : new Float64Array(frames * bins);
  for (let t = 0; t < frames; t++) {
    const start = t * H - nFft / 2;
    if (start >= 0 && start + nFft <= x.length) {
      for (let i = 0; i < nFft; i++) frame[i] = x[start + i];
    } else {
      for (let i = 0; i < nFft; i++) {
        const j = start + i;
        frame[i] = j >= 0 && j < x.length ? x[j] : 0;
      }
    }
    powerSpectrumInto(plan, frame, data.subarray(t * bins, (t + 1) * bins), 2, 0, 0, win);
  }
  return { data, frames, bins };
}

/** Inclusive bin range lo .. hi of a band (empty when hi < lo). */
export interface BinRange {
  lo: number;
  hi: number;
}

/** Bins ceil(loHz / binHz) .. min(bins - 1, floor(hiHz / binHz)): the bins inside [loHz, hiHz]. */
export function bandBins(loHz: number, hiHz: number, binHz: number, bins: number): BinRange {
  return { lo: Math.ceil(loHz / binHz), hi: Math.min(bins - 1, Math.floor(hiHz / binHz)) };
}

/** Sum of spec[offset + k] over a band's bins. */
export function bandSum(spec: Float64Array, offset: number, r: BinRange): number {
  let s = 0;
  for (let k = offset + r.lo; k <= offset + r.hi; k++) s += spec[k];
  return s;
}

/** Largest spec[offset + k] over a band's bins (0 when empty). */
export function bandPeak(spec: Float64Array, offset: number, r: BinRange): number {
  let s = 0;
  for (let k = offset + r.lo; k <= offset + r.hi; k++) s = Math.max(s, spec[k]);
  return s;
}

/** Frequency in Hz of every bin: k * sampleRate / nFft. */
export function binFrequencies(sampleRate: number, nFft: number): Float64Array {
  const out = new Float64Array(nFft / 2 + 1);
  const binHz = sampleRate / nFft;
  for (let k = 0; k < out.length; k++) out[k] = k * binHz;
  return out;
}
