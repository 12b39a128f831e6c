/**
 * Prosodic and spectral descriptors for the classical baseline, beyond MFCCs: pitch (F0),
 * voicing, harmonics-to-noise ratio, loudness, zero-crossing rate and spectral shape (centroid,
 * spread, roll-off, flatness, flux, slope, band energies, alpha ratio, Hammarberg index), in
 * the spirit of eGeMAPS / ComParE low-level descriptors, then summarised per utterance by
 * statistics (functionals). Pitch statistics use voiced frames only.
 */
import { evenRealFftInto, nextPow2, powerSpectrumInto, realFftPlan } from '../features/fft.js';
import { percentileSorted, slopePerFrame } from '../features/functionals.js';
import { makeWindow } from '../features/window.js';
import {
  bandBins,
  bandPeak,
  bandSum,
  framePowerSpectra,
  type BinRange,
  type FrameSpectra,
} from './spectrum.js';

export interface DescriptorOptions {
  sampleRate: number;
  /** Spectral frames: 25 ms Hann every 10 ms at 16 kHz. */
  winLength: number;
  hopLength: number;
  nFft: number;
  /** Pitch search range in Hz. */
  f0MinHz: number;
  f0MaxHz: number;
  /** Normalised autocorrelation peak above which a frame counts as voiced. */
  voicingThreshold: number;
  /** Frames more than this many dB below the loudest frame are silent (never voiced). */
  silenceBelowPeakDb: number;
}

export const DEFAULT_DESCRIPTOR_OPTIONS: DescriptorOptions = {
  sampleRate: 16000,
  winLength: 400,
  hopLength: 160,
  nFft: 512,
  f0MinHz: 60,
  f0MaxHz: 500,
  voicingThreshold: 0.5,
  silenceBelowPeakDb: 40,
};

/** Frame-level descriptors, one column per name in LLD_NAMES. */
export const LLD_NAMES = [
  'loudnessDb',
  'zcr',
  'centroidHz',
  'spreadHz',
  'rolloff85Hz',
  'flatnessDb',
  'flux',
  'slopeDbPerKHz',
  'band0to500Db',
  'band500to1000Db',
  'band1000to2000Db',
  'band2000to4000Db',
  'band4000to8000Db',
  'alphaRatioDb',
  'hammarbergDb',
] as const;

export interface FrameDescriptors {
  /** frames x LLD_NAMES.length, frames-major. */
  lld: Float64Array;
  frames: number;
  /** Per frame: F0 in semitones above 27.5 Hz (NaN when unvoiced), voicing (0..1), HNR in dB. */
  f0Semitones: Float64Array;
  voicing: Float64Array;
  hnrDb: Float64Array;
}

/**
 * Every constant of this family that shapes the vector besides DescriptorOptions; the code below
 * reads them from here and descriptor-spec.ts records them in bundle manifests, so changing one
 * makes a bundle trained before the change refuse to load.
 */
export const BASIC_DESCRIPTOR_CONSTANTS = {
  /** Added to powers before log / division. */
  eps: 1e-10,
  /** Edges (Hz) of the band-energy LLDs band0to500Db .. band4000to8000Db (bins ceil(lo) .. floor(hi)). */
  bandEdgesHz: [0, 500, 1000, 2000, 4000, 8000],
  /** Alpha ratio: energy of the low band over the high band (Hz, inclusive bin ranges). */
  alphaRatioLowHz: [50, 1000],
  alphaRatioHighHz: [1000, 5000],
  /** Hammarberg index: peak power of the low band over the high band. */
  hammarbergLowHz: [0, 2000],
  hammarbergHighHz: [2000, 5000],
  /** rolloff85Hz: the frequency below which this share of the power lies. */
  rolloffFraction: 0.85,
  /** Pitch tracker: decimate by 2 after a [1 2 1] / 4 low-pass at or above this rate. */
  pitchDecimateFromHz: 16000,
  /** Analysis window: this many periods of f0MinHz, at most pitchMaxWindow samples. */
  pitchWindowPeriods: 3,
  pitchMaxWindow: 4096,
  /** The shortest lag whose autocorrelation peak is within this share of the highest wins. */
  pitchPeakShare: 0.9,
  /** Voicing strength is clamped below this (HNR stays finite). */
  pitchMaxStrength: 0.9999,
  /** F0 in semitones above this frequency. */
  semitoneReferenceHz: 27.5,
} as const;

const EPS = BASIC_DESCRIPTOR_CONSTANTS.eps;
const C = BASIC_DESCRIPTOR_CONSTANTS;

export { framePowerSpectra, type FrameSpectra } from './spectrum.js';

/** The spectra of `x` with the options' framing, unless the caller already has them. */
function spectraOf(x: Float32Array, o: DescriptorOptions, spectra?: FrameSpectra): FrameSpectra {
  return spectra ?? framePowerSpectra(x, o);
}

/** Band weights of the basic family for one configuration, computed once. */
interface BasicBands {
  bands: BinRange[];
  alphaLow: BinRange;
  alphaHigh: BinRange;
  hammarbergLow: BinRange;
  hammarbergHigh: BinRange;
  /** sum over bins of f (kHz) and f^2, for the spectral slope's least-squares line. */
  sx: number;
  sxx: number;
}

const basicBandsCache = new Map<string, BasicBands>();

function basicBands(sr: number, nFft: number, nb: number): BasicBands {
  const key = `${sr}:${nFft}`;
  const cached = basicBandsCache.get(key);
  if (cached) return cached;
  const binHz = sr / nFft;
  const r = (lohi: readonly number[]) => bandBins(lohi[0], lohi[1], binHz, nb);
  let sx = 0;
  let sxx = 0;
  for (let k = 0; k < nb; k++) {
    const f = (k * binHz) / 1000;
    sx += f;
    sxx += f * f;
  }
  const edges = C.bandEdgesHz;
  const out: BasicBands = {
    bands: edges.slice(0, -1).map((lo, b) => bandBins(lo, edges[b + 1], binHz, nb)),
    alphaLow: r(C.alphaRatioLowHz),
    alphaHigh: r(C.alphaRatioHighHz),
    hammarbergLow: r(C.hammarbergLowHz),
    hammarbergHigh: r(C.hammarbergHighHz),
    sx,
    sxx,
  };
  basicBandsCache.set(key, out);
  return out;
}

/**
 * Computes frame-level descriptors of a mono signal (centred frames, zero padding); `spectra`
 * are the signal's framePowerSpectra when the caller already has them.
 */
export function frameDescriptors(
  x: Float32Array,
  opts: Partial<DescriptorOptions> = {},
  spectra?: FrameSpectra,
): FrameDescriptors {
  const o = { ...DEFAULT_DESCRIPTOR_OPTIONS, ...opts };
  const { sampleRate: sr, winLength: W, hopLength: H, nFft } = o;
  const { data: power, frames, bins: nb } = spectraOf(x, o, spectra);
  const prevMag = new Float64Array(nb);
  const mag = new Float64Array(nb);
  const lld = new Float64Array(frames * LLD_NAMES.length);
  const binHz = sr / nFft;
  const bb = basicBands(sr, nFft, nb);
  const nBands = bb.bands.length;
  const nL = LLD_NAMES.length;
  // Window span inside the nFft frame: samples i with winLo <= i < winHi (winLo may be fractional).
  const winLo = (nFft - W) / 2;
  const iFrom = Math.ceil(winLo);
  const iTo = Math.ceil((nFft + W) / 2);
  const db10 = 10 / Math.LN10;
  for (let t = 0; t < frames; t++) {
    const start = t * H - nFft / 2;
    let energy = 0;
    let zc = 0;
    let prev = 0;
    for (let i = iFrom; i < iTo; i++) {
      const j = start + i;
      const v = j >= 0 && j < x.length ? x[j] : 0;
      energy += v * v;
      if (i > winLo && v >= 0 !== prev >= 0) zc++;
      prev = v;
    }
    const off = t * nb;
    let total = EPS;
    let wsum = 0;
    let logSum = 0;
    let sy = 0;
    let sxy = 0;
    for (let k = 0; k < nb; k++) {
      const p = power[off + k];
      total += p;
      wsum += p * k * binHz;
      // ln(p + eps) serves the flatness (geometric mean) and, in dB, the spectral slope.
      const ln = Math.log(p + EPS);
      logSum += ln;
      const db = db10 * ln;
      sy += db;
      sxy += ((k * binHz) / 1000) * db;
    }
    const centroid = wsum / total;
    let spread = 0;
    let norm = EPS;
    for (let k = 0; k < nb; k++) {
      const p = power[off + k];
      const d = k * binHz - centroid;
      spread += p * d * d;
      mag[k] = Math.sqrt(p);
      norm += mag[k];
    }
    let acc = 0;
    let rolloff = 0;
    const target = C.rolloffFraction * total;
    for (let k = 0; k < nb; k++) {
      acc += power[off + k];
      if (acc >= target) {
        rolloff = k * binHz;
        break;
      }
    }
    const flatness = 10 * Math.log10(Math.exp(logSum / nb) / (total / nb) + EPS);
    let flux = 0;
    for (let k = 0; k < nb; k++) {
      const m = mag[k] / norm;
      const d = m - prevMag[k];
      flux += d * d;
      prevMag[k] = m;
    }
    // Spectral slope: least-squares line through dB power against frequency (kHz).
    const slope = (nb * sxy - bb.sx * sy) / (nb * bb.sxx - bb.sx * bb.sx);
    const row = t * nL;
    lld[row] = 10 * Math.log10(energy / W + EPS);
    lld[row + 1] = zc / W;
    lld[row + 2] = centroid;
    lld[row + 3] = Math.sqrt(spread / total);
    lld[row + 4] = rolloff;
    lld[row + 5] = flatness;
    lld[row + 6] = t === 0 ? 0 : flux;
    lld[row + 7] = slope;
    for (let b = 0; b < nBands; b++)
      lld[row + 8 + b] = 10 * Math.log10(bandSum(power, off, bb.bands[b]) / total + EPS);
    lld[row + 13] =
      10 * Math.log10((bandSum(power, off, bb.alphaLow) + EPS) / (bandSum(power, off, bb.alphaHigh) + EPS));
    lld[row + 14] =
      10 *
      Math.log10(
        (bandPeak(power, off, bb.hammarbergLow) + EPS) / (bandPeak(power, off, bb.hammarbergHigh) + EPS),
      );
  }
  const pitch = pitchTrack(x, frames, o, lld);
  return { lld, frames, ...pitch };
}

/**
 * Autocorrelation pitch tracker (after Boersma 1993): per frame, the normalised autocorrelation
 * of a Hann-windowed 3-period segment, divided by the window's own autocorrelation, computed by
 * FFT; the highest peak in the lag range gives F0 (parabolic interpolation) and voicing.
 */
function pitchTrack(
  x: Float32Array,
  frames: number,
  o: DescriptorOptions,
  lld: Float64Array,
): { f0Semitones: Float64Array; voicing: Float64Array; hnrDb: Float64Array } {
  // Pitch lives below 500 Hz: analyse at half the rate (after a [1 2 1] / 4 low-pass) when the
  // signal is 16 kHz or more, which halves the FFT work without moving the peaks.
  const factor = o.sampleRate >= C.pitchDecimateFromHz ? 2 : 1;
  const sr = o.sampleRate / factor;
  if (factor === 2) {
    const y = new Float32Array(Math.floor(x.length / 2));
    for (let i = 0; i < y.length; i++) {
      const a = x[2 * i - 1] ?? 0;
      y[i] = 0.25 * a + 0.5 * x[2 * i] + 0.25 * x[2 * i + 1];
    }
    x = y;
  }
  const hop = o.hopLength / factor;
  const maxLag = Math.ceil(sr / o.f0MinHz);
  const minLag = Math.floor(sr / o.f0MaxHz);
  const L = Math.min(C.pitchWindowPeriods * maxLag, C.pitchMaxWindow);
  const n = nextPow2(2 * L);
  const win = makeWindow('hann', L);
  const winAc = autocorrelation(win);
  const plan = realFftPlan(n);
  const spec = new Float64Array(n / 2 + 1);
  const seg = new Float64Array(n);
  const lagEnd = Math.min(maxLag + 1, L - 1);
  const ac = new Float64Array(lagEnd + 1);
  // r[lag]: the window-corrected normalised autocorrelation, for the lags the peak search reads.
  const r = new Float64Array(lagEnd + 1);
  const firstLag = Math.max(minLag, 1);
  let peakDb = -Infinity;
  for (let t = 0; t < frames; t++) peakDb = Math.max(peakDb, lld[t * LLD_NAMES.length]);
  const f0 = new Float64Array(frames).fill(NaN);
  const voicing = new Float64Array(frames);
  const hnr = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    if (lld[t * LLD_NAMES.length] < peakDb - o.silenceBelowPeakDb) continue;
    const start = Math.round(t * hop) - Math.floor(L / 2);
    const inside = start >= 0 && start + L <= x.length;
    let mean = 0;
    if (inside) for (let i = 0; i < L; i++) mean += x[start + i];
    else
      for (let i = 0; i < L; i++) {
        const j = start + i;
        mean += j >= 0 && j < x.length ? x[j] : 0;
      }
    mean /= L;
    for (let i = 0; i < L; i++) {
      const j = start + i;
      seg[i] = ((j >= 0 && j < x.length ? x[j] : 0) - mean) * win[i];
    }
    seg.fill(0, L);
    powerSpectrumInto(plan, seg, spec, 2);
    // Autocorrelation = inverse FFT of the power spectrum (real, even): a cosine transform.
    evenRealFftInto(spec, ac, lagEnd + 1);
    if (!(ac[0] > 0)) continue;
    for (let lag = firstLag - 1; lag <= lagEnd; lag++) r[lag] = ac[lag] / ac[0] / (winAc[lag] / winAc[0]);
    // Peaks of r; the shortest lag whose peak is within pitchPeakShare of the highest wins,
    // which avoids choosing a multiple of the period.
    let top = 0;
    for (let lag = firstLag; lag <= maxLag && lag + 1 < L; lag++) {
      const v = r[lag];
      if (v > 0 && v > r[lag - 1] && v >= r[lag + 1] && v > top) top = v;
    }
    let best = -1;
    let bestLag = 0;
    for (let lag = firstLag; lag <= maxLag && lag + 1 < L; lag++) {
      const v = r[lag];
      if (v > 0 && v > r[lag - 1] && v >= r[lag + 1] && v >= C.pitchPeakShare * top) {
        best = v;
        const denom = r[lag - 1] - 2 * v + r[lag + 1];
        bestLag = lag + (denom < 0 ? (0.5 * (r[lag - 1] - r[lag + 1])) / denom : 0);
        break;
      }
    }
    if (best <= 0) continue;
    const strength = Math.min(best, C.pitchMaxStrength);
    voicing[t] = strength;
    hnr[t] = 10 * Math.log10(strength / (1 - strength));
    if (strength >= o.voicingThreshold) f0[t] = 12 * Math.log2(sr / bestLag / C.semitoneReferenceHz);
  }
  return { f0Semitones: f0, voicing, hnrDb: hnr };
}

/** Autocorrelation of a (short) window, directly. */
function autocorrelation(w: Float64Array): Float64Array {
  const out = new Float64Array(w.length);
  for (let lag = 0; lag < w.length; lag++) {
    let s = 0;
    for (let i = 0; i + lag < w.length; i++) s += w[i] * w[i + lag];
    out[lag] = s;
  }
  return out;
}

/** Statistics summarising one descriptor over an utterance. */
export const STAT_NAMES = ['mean', 'std', 'min', 'p10', 'p50', 'p90', 'max', 'iqr', 'slope'] as const;

/** The STAT_NAMES statistics of values (finite values only); all zeros when none is finite. */
export function summarise(values: ArrayLike<number>): number[] {
  const v = Array.from(values).filter(Number.isFinite);
  if (v.length === 0) return STAT_NAMES.map(() => 0);
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const sorted = [...v].sort((a, b) => a - b);
  const q = (percent: number) => percentileSorted(sorted, percent);
  // Slope of the least-squares line over normalised time 0..1 = slope per frame x (n - 1).
  const slope = slopePerFrame(v, mean) * (n - 1);
  return [mean, std, sorted[0], q(10), q(50), q(90), sorted[n - 1], q(75) - q(25), slope];
}

/**
 * Utterance-level descriptor functionals: STAT_NAMES of every LLD over the non-silent frames,
 * of F0 / HNR over voiced frames, plus voiced fraction, a jitter-like mean absolute F0 change
 * between consecutive voiced frames and a shimmer-like mean absolute loudness change.
 */
export function descriptorFunctionals(
  x: Float32Array,
  opts: Partial<DescriptorOptions> = {},
  spectra?: FrameSpectra,
): { values: Float64Array; names: string[] } {
  const o = { ...DEFAULT_DESCRIPTOR_OPTIONS, ...opts };
  const d = frameDescriptors(x, o, spectra);
  const nL = LLD_NAMES.length;
  let peakDb = -Infinity;
  for (let t = 0; t < d.frames; t++) peakDb = Math.max(peakDb, d.lld[t * nL]);
  const active: number[] = [];
  for (let t = 0; t < d.frames; t++) if (d.lld[t * nL] >= peakDb - o.silenceBelowPeakDb) active.push(t);
  const values: number[] = [];
  const names: string[] = [];
  const push = (base: string, stats: number[]) => {
    stats.forEach((s, i) => {
      values.push(s);
      names.push(`${base}_${STAT_NAMES[i]}`);
    });
  };
  for (let c = 0; c < nL; c++) push(LLD_NAMES[c], summarise(active.map((t) => d.lld[t * nL + c])));
  const voiced = active.filter((t) => Number.isFinite(d.f0Semitones[t]));
  push('f0Semitones', summarise(voiced.map((t) => d.f0Semitones[t])));
  push('hnrDb', summarise(voiced.map((t) => d.hnrDb[t])));
  push('voicing', summarise(active.map((t) => d.voicing[t])));
  push('voicedLoudnessDb', summarise(voiced.map((t) => d.lld[t * nL])));
  let jit = 0;
  let shim = 0;
  let pairs = 0;
  for (let i = 1; i < voiced.length; i++) {
    if (voiced[i] !== voiced[i - 1] + 1) continue;
    jit += Math.abs(d.f0Semitones[voiced[i]] - d.f0Semitones[voiced[i - 1]]);
    shim += Math.abs(d.lld[voiced[i] * nL] - d.lld[voiced[i - 1] * nL]);
    pairs++;
  }
  values.push(
    active.length > 0 ? voiced.length / active.length : 0,
    pairs ? jit / pairs : 0,
    pairs ? shim / pairs : 0,
  );
  names.push('voicedFraction', 'f0DeltaSemitones_meanAbs', 'loudnessDeltaDb_meanAbs');
  // Speaking-rate proxy: voiced segments (runs of voiced frames) per second of active speech.
  let runs = 0;
  for (let i = 0; i < voiced.length; i++) if (i === 0 || voiced[i] !== voiced[i - 1] + 1) runs++;
  values.push(active.length > 0 ? runs / ((active.length * o.hopLength) / o.sampleRate) : 0);
  names.push('voicedSegmentsPerSec');
  return { values: Float64Array.from(values), names };
}
