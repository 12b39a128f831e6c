/**
 * Signal -> one feature vector per utterance for the classical models: functionals of MFCCs
 * and their deltas (over the frames that are not silence) plus the prosodic and spectral
 * descriptor functionals of descriptors.ts. The spec travels with a trained pipeline so
 * prediction computes exactly the same vector.
 */
import {
  checkSignal,
  deltas,
  mfcc,
  mfccRowsFromPowerSpectrogram,
  parseFeatureConfig,
  stackColumns,
  utteranceFunctionals,
  type FeatureConfig,
  type FeatureMatrix,
} from '../features/index.js';
import { descriptorFunctionals, DEFAULT_DESCRIPTOR_OPTIONS, type DescriptorOptions } from './descriptors.js';
import { extendedDescriptorFunctionals } from './descriptors-extended.js';
import { ROBUST_FAMILY_OPTIONS, robustDescriptorFunctionals } from './descriptors-robust.js';
import { framePowerSpectra, type FrameSpectra } from './spectrum.js';

/**
 * Descriptor families: 'mfcc' = MFCC statistics (+ the descriptors below), the EMO-DB-era set;
 * 'robust' = the compact channel-robust set of descriptors-robust.ts, chosen by
 * leave-one-corpus-out (the MFCC fields below are then unused); 'robust2' = the same behind a
 * noise-floor gate, plus descriptors of voiced frames (ROBUST2_OPTIONS), for background noise;
 * 'robust3' = robust2 plus the first two formants of voiced frames; 'robust4' = robust3 plus
 * formant bandwidths, F3 and band-limited cepstral peak prominence.
 */
export const DESCRIPTOR_FAMILIES = ['mfcc', 'robust', 'robust2', 'robust3', 'robust4'] as const;
export type DescriptorFamily = (typeof DESCRIPTOR_FAMILIES)[number];

/** True for the families of descriptors-robust.ts (which read none of the MFCC fields). */
export type RobustFamily = keyof typeof ROBUST_FAMILY_OPTIONS;
export function isRobustFamily(family: DescriptorFamily | undefined): family is RobustFamily {
  return family !== undefined && family in ROBUST_FAMILY_OPTIONS;
}

export interface ClassicalFeatureSpec {
  /** Absent (older bundles) = 'mfcc'. */
  family?: DescriptorFamily;
  sampleRate: number;
  nMfcc: number;
  nMels: number;
  /** 0 = MFCC only, 1 = + deltas, 2 = + delta-deltas. */
  deltaOrder: 0 | 1 | 2;
  /** Functional names understood by utteranceFunctionals (mean, std, min, max, pNN, slope). */
  functionals: string[];
  /** Add the pitch / voicing / loudness / spectral-shape descriptor functionals. */
  descriptors: boolean;
  /**
   * With descriptors: the ComParE-style set of descriptors-extended.ts (more LLDs, their deltas,
   * richer functionals) instead of the basic set. Absent (older bundles) = basic.
   */
  extendedDescriptors?: boolean;
  /** Frames quieter than the loudest by more than this are left out of the MFCC statistics. */
  silenceBelowPeakDb: number;
}

/** The robust family as a spec (the MFCC fields are recorded but unused). */
export const ROBUST_CLASSICAL_FEATURES: ClassicalFeatureSpec = {
  family: 'robust',
  sampleRate: 16000,
  nMfcc: 12,
  nMels: 20,
  deltaOrder: 0,
  functionals: ['mean'],
  descriptors: false,
  silenceBelowPeakDb: 35,
};

/**
 * The spec a family starts from: mfcc = DEFAULT_CLASSICAL_FEATURES; the other robust families
 * are ROBUST_CLASSICAL_FEATURES with their name (the MFCC fields are recorded but unused).
 */
export function familySpec(family: DescriptorFamily | undefined): ClassicalFeatureSpec {
  if (isRobustFamily(family)) return { ...ROBUST_CLASSICAL_FEATURES, family };
  return DEFAULT_CLASSICAL_FEATURES;
}

export const DEFAULT_CLASSICAL_FEATURES: ClassicalFeatureSpec = {
  sampleRate: 16000,
  nMfcc: 40,
  nMels: 40,
  deltaOrder: 2,
  functionals: ['mean', 'std', 'min', 'max', 'p10', 'p50', 'p90', 'slope'],
  descriptors: true,
  extendedDescriptors: true,
  silenceBelowPeakDb: 40,
};

/** Width of the MFCC delta regression (frames, odd). */
export const MFCC_DELTA_WIDTH = 9;

/** The MFCC configuration of a spec: 25 ms Hann frames every 10 ms, the FeatureConfig defaults otherwise. */
export function mfccConfigOf(spec: ClassicalFeatureSpec): FeatureConfig {
  return parseFeatureConfig({
    sampleRate: spec.sampleRate,
    nMfcc: spec.nMfcc,
    nMels: spec.nMels,
    winLength: Math.round(spec.sampleRate / 40),
    hopLength: Math.round(spec.sampleRate / 100),
  });
}

/** The DescriptorOptions of a spec: the MFCC framing, nFft 512 at 16 kHz and above (256 below). */
export function descriptorOptionsOf(spec: ClassicalFeatureSpec): DescriptorOptions {
  const m = mfccConfigOf(spec);
  return {
    ...DEFAULT_DESCRIPTOR_OPTIONS,
    sampleRate: spec.sampleRate,
    winLength: m.winLength,
    hopLength: m.hopLength,
    nFft: spec.sampleRate >= 16000 ? 512 : 256,
    silenceBelowPeakDb: spec.silenceBelowPeakDb,
  };
}

/** True when the MFCC configuration frames and transforms exactly like the descriptor spectra. */
function sameFraming(cfg: FeatureConfig, o: DescriptorOptions): boolean {
  return (
    cfg.nFft === o.nFft &&
    cfg.winLength === o.winLength &&
    cfg.hopLength === o.hopLength &&
    cfg.window === 'hann' &&
    cfg.center &&
    cfg.padMode === 'constant' &&
    cfg.power === 2 &&
    cfg.preEmphasis === 0
  );
}

/** Frame energies in dB on the MFCC framing (centred, hop 160 at 16 kHz), for the silence mask. */
function frameEnergyDb(x: Float32Array, frames: number, hop: number, win: number): Float64Array {
  const out = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    let e = 0;
    const start = t * hop - Math.floor(win / 2);
    for (let i = 0; i < win; i++) {
      const j = start + i;
      if (j >= 0 && j < x.length) e += x[j] * x[j];
    }
    out[t] = 10 * Math.log10(e / win + 1e-10);
  }
  return out;
}

function keepFrames(m: FeatureMatrix, keep: number[]): FeatureMatrix {
  const data = new Float32Array(keep.length * m.coeffs);
  keep.forEach((t, i) => data.set(m.data.subarray(t * m.coeffs, (t + 1) * m.coeffs), i * m.coeffs));
  return { data, frames: keep.length, coeffs: m.coeffs };
}

/** The utterance feature vector and the name of each value. */
export function classicalFeatures(
  x: Float32Array,
  spec: ClassicalFeatureSpec = DEFAULT_CLASSICAL_FEATURES,
): { values: Float64Array; names: string[] } {
  if (isRobustFamily(spec.family))
    return robustDescriptorFunctionals(x, {
      ...ROBUST_FAMILY_OPTIONS[spec.family],
      sampleRate: spec.sampleRate,
    });
  const cfg = mfccConfigOf(spec);
  const { hopLength: hop, winLength: win } = cfg;
  const opts = descriptorOptionsOf(spec);
  // One power spectrum pass for the MFCCs and every descriptor family when they frame alike.
  const shared = spec.descriptors && sameFraming(cfg, opts);
  let spectra: FrameSpectra | undefined;
  let base: FeatureMatrix;
  if (shared) {
    checkSignal(x);
    spectra = framePowerSpectra(x, opts);
    const m = mfccRowsFromPowerSpectrogram(spectra, cfg);
    base = { data: Float32Array.from(m.data), frames: m.frames, coeffs: m.nMfcc };
  } else base = mfcc(x, cfg);
  const parts = [base];
  if (spec.deltaOrder >= 1) parts.push(deltas(parts[0], MFCC_DELTA_WIDTH));
  if (spec.deltaOrder >= 2) parts.push(deltas(parts[1], MFCC_DELTA_WIDTH));
  const stacked = stackColumns(parts);
  const energy = frameEnergyDb(x, stacked.frames, hop, win);
  const peak = Math.max(...energy);
  const keep: number[] = [];
  energy.forEach((e, t) => {
    if (e >= peak - spec.silenceBelowPeakDb) keep.push(t);
  });
  const f = utteranceFunctionals(keepFrames(stacked, keep), spec.functionals, 'mfcc');
  // Name deltas distinctly: coefficient c of part p is mfcc{c}, mfccD{c} or mfccDD{c}.
  const names = f.names.map((n) => {
    const m = /^mfcc(\d+)_(.*)$/.exec(n)!;
    const c = Number(m[1]);
    const part = Math.floor(c / spec.nMfcc);
    return `mfcc${['', 'D', 'DD'][part]}${c % spec.nMfcc}_${m[2]}`;
  });
  const values = Array.from(f.values);
  if (spec.descriptors) {
    const describe = spec.extendedDescriptors ? extendedDescriptorFunctionals : descriptorFunctionals;
    const d = describe(x, opts, spectra);
    values.push(...d.values);
    names.push(...d.names);
  }
  return { values: Float64Array.from(values), names };
}
