/**
 * A compact, channel-robust descriptor set for recognising emotion across corpora, languages
 * and phone lines (issue 9), in the spirit of eGeMAPS but designed for leave-one-corpus-out:
 *
 * - only the telephone band (300-3400 Hz) of the spectrum is read, so a phone line, a codec or
 *   a different microphone's top octave cannot move a descriptor;
 * - nothing depends on the recording level: loudness is measured relative to the utterance's
 *   own loud frames (95th percentile), and spectral shape is a ratio of band energies;
 * - pitch comes from a normalised cross-correlation tracker at 4 kHz, which finds the period
 *   from the harmonics that survive a phone line even when the fundamental itself is gone;
 * - MFCCs come from a band-limited mel filterbank; their means are optional (a convolutive
 *   channel shifts them), their spreads and deltas are kept.
 *
 * Utterance functionals summarise pitch, voicing, rhythm, relative loudness, spectral balance
 * and band-limited cepstra: about 80 values, computed in a few milliseconds per clip.
 */
import { dctRows } from '../features/dct.js';
import { percentileSorted, slopePerFrame } from '../features/functionals.js';
import { melFilterbank, melRowInto } from '../features/mel.js';
import { nextPow2, powerSpectrumInto, realFftPlan } from '../features/fft.js';
import { Scratch } from '../features/scratch.js';
import { makeWindow } from '../features/window.js';
import { framePowerSpectra } from './descriptors.js';

export interface RobustDescriptorOptions {
  sampleRate: number;
  /** Lower and upper edge of the analysed band in Hz (the telephone band by default). */
  bandLowHz: number;
  bandHighHz: number;
  /** Band-limited cepstra: number of mel bands and of coefficients kept (c1 .. cN). */
  nMels: number;
  nMfcc: number;
  /** Pitch search range in Hz. */
  f0MinHz: number;
  f0MaxHz: number;
  /** Normalised cross-correlation above which a frame counts as voiced. */
  voicingThreshold: number;
  /** Frames more than this many dB below the utterance's 95th-percentile loudness are pauses. */
  activeBelowDb: number;
  /** Include the means of the band-limited MFCCs (moved by a convolutive channel). */
  mfccMeans: boolean;
  /**
   * Noise-floor gate (0 or absent = off): a frame is speech only if its band loudness is also at
   * least this many dB above the utterance's noise floor, the `floorPercentile`-th percentile of
   * its frame loudness. Without it, background noise within activeBelowDb of the loud frames
   * counts as speech and moves every pause, loudness and spectral descriptor.
   */
  activeAboveFloorDb?: number;
  floorPercentile?: number;
  /**
   * Add the noise-hardened descriptors: octave-jump-safe pitch spread and slopes, loudness and
   * spectral balance over voiced frames (medians), cepstral spreads over voiced frames.
   */
  voicedExtras?: boolean;
  /**
   * Add the first two formants of voiced frames (mean, spread, median), from a selective linear
   * prediction of the analysed band only (vocal effort raises F1; the band keeps a phone line
   * from moving them).
   */
  formants?: boolean;
  /**
   * Add voice-quality descriptors that a phone line leaves alone (needs `formants`): the
   * half-power bandwidths of F1 and F2 and the third formant from the same all-pole fit, and
   * the cepstral peak prominence of voiced frames computed from the band's log spectrum only.
   */
  voiceQuality?: boolean;
}

export const DEFAULT_ROBUST_OPTIONS: RobustDescriptorOptions = {
  sampleRate: 16000,
  bandLowHz: 300,
  bandHighHz: 3400,
  nMels: 20,
  nMfcc: 12,
  f0MinHz: 60,
  f0MaxHz: 500,
  voicingThreshold: 0.6,
  activeBelowDb: 35,
  mfccMeans: false,
};

/**
 * The `robust2` family: the robust set behind a noise-floor gate, plus the voiced-frame extras
 * (chosen by leave-one-corpus-out with 10 dB noise; results/loco-research.md).
 */
export const ROBUST2_OPTIONS: Partial<RobustDescriptorOptions> = {
  activeAboveFloorDb: 6,
  floorPercentile: 10,
  voicedExtras: true,
};

/** The `robust3` family: robust2 plus the formants of voiced frames. */
export const ROBUST3_OPTIONS: Partial<RobustDescriptorOptions> = { ...ROBUST2_OPTIONS, formants: true };

/** The `robust4` family: robust3 plus formant bandwidths, F3 and band-limited cepstral peak prominence. */
export const ROBUST4_OPTIONS: Partial<RobustDescriptorOptions> = { ...ROBUST3_OPTIONS, voiceQuality: true };

/** Each robust family's options over DEFAULT_ROBUST_OPTIONS. */
export const ROBUST_FAMILY_OPTIONS = {
  robust: {},
  robust2: ROBUST2_OPTIONS,
  robust3: ROBUST3_OPTIONS,
  robust4: ROBUST4_OPTIONS,
} as const satisfies Record<string, Partial<RobustDescriptorOptions>>;

/** Bumped whenever the values change, so cached descriptor vectors are recomputed. */
export const ROBUST_DESCRIPTORS_VERSION = 2;

const EPS = 1e-10;
const PITCH_RATE = 4000;

/** Windowed-sinc low-pass (Hann) of `taps` taps with cutoff at `cutoff` x the sample rate. */
function lowPass(taps: number, cutoff: number): Float64Array {
  const h = new Float64Array(taps);
  const mid = (taps - 1) / 2;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const t = i - mid;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    h[i] = sinc * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)));
    sum += h[i];
  }
  for (let i = 0; i < taps; i++) h[i] /= sum;
  return h;
}

const filters = new Map<number, Float64Array>();

/**
 * The large arrays of one call, reused from call to call (features/scratch.ts; this module never
 * awaits): the frame power spectra, the signal decimated for pitch, the active frames' log-mel
 * energies and their cepstra. Kept up to the sizes of ~20 s of 16 kHz audio (4.3 MB in all).
 */
const scratch = {
  spectra: new Scratch(1 << 19),
  decimated: new Scratch(1 << 17),
  logMel: new Scratch(1 << 16),
  cepstra: new Scratch(1 << 16),
};

/**
 * x low-passed below 0.45 x PITCH_RATE and decimated by `factor` (sample rate / PITCH_RATE,
 * rounded). The rate is not returned with it: returning { y, rate } made V8 bail out of the
 * optimised function after the loop on 1 call in 4 (insufficient type feedback at the literal),
 * and re-optimising it kept a compiler thread busy.
 */
function decimateForPitch(x: Float32Array, factor: number): Float64Array {
  if (factor === 1) return Float64Array.from(x);
  let h = filters.get(factor);
  if (!h) {
    h = lowPass(8 * factor - 1, 0.45 / factor);
    filters.set(factor, h);
  }
  const half = (h.length - 1) / 2;
  const y = scratch.decimated.take(Math.floor(x.length / factor));
  for (let i = 0; i < y.length; i++) {
    const c = i * factor;
    let acc = 0;
    const lo = Math.max(0, half - c);
    const hi = Math.min(h.length, x.length - c + half);
    for (let k = lo; k < hi; k++) acc += h[k] * x[c - half + k];
    y[i] = acc;
  }
  return y;
}

/**
 * Pitch per frame by normalised cross-correlation (as in RAPT's first pass): for a 32 ms
 * segment at 4 kHz, the correlation with itself shifted by each candidate period, divided by
 * both segments' energies. The shortest lag whose local peak reaches 90 % of the best wins
 * (guards against period doubling), refined by a parabola. Only `active` frames are analysed,
 * every other frame (20 ms apart); the frames between take their predecessor's values.
 */
function trackPitch(
  x: Float32Array,
  frames: number,
  hopSeconds: number,
  active: Uint8Array,
  o: RobustDescriptorOptions,
): { f0: Float64Array; strength: Float64Array } {
  const factor = Math.max(1, Math.round(o.sampleRate / PITCH_RATE));
  const rate = o.sampleRate / factor;
  const y = decimateForPitch(x, factor);
  const n = Math.round(0.032 * rate);
  const minLag = Math.max(2, Math.floor(rate / o.f0MaxHz));
  const maxLag = Math.ceil(rate / o.f0MinHz);
  const f0 = new Float64Array(frames).fill(NaN);
  const strength = new Float64Array(frames);
  const r = new Float64Array(maxLag + 2);
  const corr = new Float64Array(4);
  for (let t = 0; t < frames; t++) {
    if (!active[t]) continue;
    if (t % 2 === 1) {
      // Pitch moves slowly: every other frame copies its predecessor (halves the cost).
      f0[t] = f0[t - 1];
      strength[t] = strength[t - 1];
      continue;
    }
    const s = Math.round(t * hopSeconds * rate) - (n >> 1);
    if (s < 0 || s + n + maxLag + 1 > y.length) continue;
    let e0 = 0;
    for (let i = 0; i < n; i++) e0 += y[s + i] * y[s + i];
    if (e0 <= EPS) continue;
    // Energy of the shifted segment, slid along one sample per lag.
    let eL = 0;
    for (let i = 0; i < n; i++) eL += y[s + minLag - 1 + i] ** 2;
    let top = 0;
    // Correlations of four lags per pass over the segment (each summed in the same order as
    // one lag at a time: the same values, a quarter of the loads of y[s + i]).
    for (let lag0 = minLag - 1; lag0 <= maxLag + 1; lag0 += 4) {
      const count = Math.min(4, maxLag + 2 - lag0);
      const b = s + lag0;
      if (count === 4) {
        let c0 = 0;
        let c1 = 0;
        let c2 = 0;
        let c3 = 0;
        for (let i = 0; i < n; i++) {
          const a = y[s + i];
          c0 += a * y[b + i];
          c1 += a * y[b + i + 1];
          c2 += a * y[b + i + 2];
          c3 += a * y[b + i + 3];
        }
        corr[0] = c0;
        corr[1] = c1;
        corr[2] = c2;
        corr[3] = c3;
      } else {
        for (let j = 0; j < count; j++) {
          let c = 0;
          for (let i = 0; i < n; i++) c += y[s + i] * y[b + j + i];
          corr[j] = c;
        }
      }
      for (let j = 0; j < count; j++) {
        const lag = lag0 + j;
        if (lag >= minLag) {
          const out = y[s + lag - 1];
          const inn = y[s + lag - 1 + n];
          eL += inn * inn - out * out;
        }
        const v = corr[j] / Math.sqrt(e0 * Math.max(eL, EPS));
        r[lag] = v;
        if (lag >= minLag && lag <= maxLag && v > top) top = v;
      }
    }
    if (top <= 0) continue;
    for (let lag = minLag; lag <= maxLag; lag++) {
      const v = r[lag];
      if (v >= 0.9 * top && v >= r[lag - 1] && v >= r[lag + 1]) {
        const denom = r[lag - 1] - 2 * v + r[lag + 1];
        const shift = denom < 0 ? (0.5 * (r[lag - 1] - r[lag + 1])) / denom : 0;
        const str = Math.min(v, 0.9999);
        strength[t] = str;
        if (str >= o.voicingThreshold) f0[t] = 12 * Math.log2(rate / (lag + shift) / 27.5);
        break;
      }
    }
  }
  return { f0, strength };
}

interface Stats {
  mean: number;
  std: number;
  p20: number;
  p50: number;
  p80: number;
}

function stats(v: number[]): Stats {
  if (v.length === 0) return { mean: 0, std: 0, p20: 0, p50: 0, p80: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  const sorted = Float64Array.from(v).sort();
  return {
    mean,
    std,
    p20: percentileSorted(sorted, 20),
    p50: percentileSorted(sorted, 50),
    p80: percentileSorted(sorted, 80),
  };
}

/** Runs of consecutive frame indices (sorted ascending) -> [start, end] inclusive. */
function runs(frames: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const t of frames) {
    const last = out[out.length - 1];
    if (last && t === last[1] + 1) last[1] = t;
    else out.push([t, t]);
  }
  return out;
}

/** Mean of the positive and of the negative frame-to-frame changes of v inside runs. */
function riseFall(v: Float64Array, rs: [number, number][]): { rise: number; fall: number; absMean: number } {
  let rise = 0;
  let nr = 0;
  let fall = 0;
  let nf = 0;
  for (const [a, b] of rs)
    for (let t = a + 1; t <= b; t++) {
      const d = v[t] - v[t - 1];
      if (d > 0) {
        rise += d;
        nr++;
      } else if (d < 0) {
        fall -= d;
        nf++;
      }
    }
  const n = nr + nf;
  return { rise: nr ? rise / nr : 0, fall: nf ? fall / nf : 0, absMean: n ? (rise + fall) / n : 0 };
}

const LPC_ORDER = 8;
/** Window of the cepstral peak prominence's own frames (robust4). */
const CPP_WINDOW_SECONDS = 0.04;
/** robust4's analysis constants, recorded in its bundles' descriptor spec. */
export const VOICE_QUALITY_CONSTANTS = {
  bandwidth: 'half-power',
  cpp: 'band-limited-cosine',
  cppWindowSeconds: CPP_WINDOW_SECONDS,
  cppWindow: 'hann',
  cppEveryVoicedFrames: 2,
};
const FORMANT_GRID = 256;
/**
 * The formant analysis' constants, recorded in robust3 bundles' descriptor spec. No
 * pre-emphasis: within the band the all-pole fit models the spectral tilt itself (a 0.97
 * pre-emphasis put F1 of most clips above 900 Hz).
 */
export const FORMANT_CONSTANTS = {
  method: 'selective-lpc-band',
  lpcOrder: LPC_ORDER,
  envelopeGrid: FORMANT_GRID,
  preemphasis: 0,
};

/** Per band (kLo, kHi): cos(w m) of every bin, w = pi (k - kLo) / (kHi - kLo). */
const formantBands = new Map<string, Float64Array>();
const P1 = LPC_ORDER + 1;
/** cos(w m) and sin(w m) on the envelope grid, w = pi g / (grid - 1). */
const envelopeCos = new Float64Array(FORMANT_GRID * P1);
const envelopeSin = new Float64Array(FORMANT_GRID * P1);
for (let g = 0; g < FORMANT_GRID; g++) {
  const w = (Math.PI * g) / (FORMANT_GRID - 1);
  for (let m = 0; m <= LPC_ORDER; m++) {
    envelopeCos[g * P1 + m] = Math.cos(w * m);
    envelopeSin[g * P1 + m] = Math.sin(w * m);
  }
}
const lpc = {
  r: new Float64Array(P1),
  a: new Float64Array(P1),
  prev: new Float64Array(P1),
  env: new Float64Array(FORMANT_GRID),
};

function formantBandCosines(kLo: number, kHi: number): Float64Array {
  const key = `${kLo},${kHi}`;
  let cos = formantBands.get(key);
  if (!cos) {
    const span = kHi - kLo;
    cos = new Float64Array((span + 1) * P1);
    for (let k = kLo; k <= kHi; k++) {
      const w = (Math.PI * (k - kLo)) / span;
      for (let m = 0; m <= LPC_ORDER; m++) cos[(k - kLo) * P1 + m] = Math.cos(w * m);
    }
    formantBands.set(key, cos);
  }
  return cos;
}

/**
 * F1 and F2 (Hz) of one frame by selective linear prediction (Makhoul 1975) of the band
 * kLo..kHi only, so a phone line's edges cannot move them: the autocorrelation of the frame's
 * power spectrum over the band mapped onto 0..pi (an inverse cosine transform), an 8-pole
 * Levinson-Durbin fit, and the first two peaks of the all-pole envelope on a 256-point grid
 * (parabola-refined), mapped back to Hz. NaN where the envelope has fewer peaks.
 *
 * With `out` of length 5 it also writes F3 (out[2]) and the half-power (-3 dB) bandwidths of F1
 * and F2 (out[3], out[4]): the envelope's width where it falls ln 2 below the peak, linearly
 * interpolated; where a valley comes first on one side, twice the other side's half-width; NaN
 * where neither side falls that far.
 */
function frameFormants(
  power: Float64Array,
  off: number,
  kLo: number,
  kHi: number,
  binHz: number,
  out: Float64Array,
): void {
  const cos = formantBandCosines(kLo, kHi);
  const { r, a, prev, env } = lpc;
  r.fill(0);
  const span = kHi - kLo;
  for (let k = kLo; k <= kHi; k++) {
    const p = power[off + k] * (k === kLo || k === kHi ? 0.5 : 1);
    const row = (k - kLo) * P1;
    for (let m = 0; m <= LPC_ORDER; m++) r[m] += p * cos[row + m];
  }
  out.fill(NaN);
  if (!(r[0] > EPS)) return;
  a.fill(0);
  a[0] = 1;
  let err = r[0] * (1 + 1e-9);
  for (let i = 1; i <= LPC_ORDER; i++) {
    let acc = r[i];
    for (let j = 1; j < i; j++) acc += a[j] * r[i - j];
    const k = -acc / err;
    prev.set(a);
    for (let j = 1; j < i; j++) a[j] = prev[j] + k * prev[i - j];
    a[i] = k;
    err *= 1 - k * k;
    if (!(err > 0)) return;
  }
  for (let g = 0; g < FORMANT_GRID; g++) {
    let re = 0;
    let im = 0;
    for (let m = 0; m <= LPC_ORDER; m++) {
      re += a[m] * envelopeCos[g * P1 + m];
      im -= a[m] * envelopeSin[g * P1 + m];
    }
    env[g] = -Math.log(re * re + im * im + EPS);
  }
  let found = 0;
  const want = out.length >= 5 ? 3 : 2;
  const gridHz = (span / (FORMANT_GRID - 1)) * binHz;
  for (let g = 1; g < FORMANT_GRID - 1 && found < want; g++) {
    if (!(env[g] > env[g - 1] && env[g] >= env[g + 1])) continue;
    const d = env[g - 1] - 2 * env[g] + env[g + 1];
    const at = g + (d < 0 ? (0.5 * (env[g - 1] - env[g + 1])) / d : 0);
    if (want === 3 && found < 2) out[3 + found] = halfPowerWidth(env, g) * gridHz;
    out[found++] = (kLo + (at / (FORMANT_GRID - 1)) * span) * binHz;
  }
}

/**
 * Width (in grid steps) of the envelope peak at g where it falls ln 2 (3 dB of power) below the
 * peak; a side that reaches a valley or the grid's edge first takes the other side's half-width.
 */
function halfPowerWidth(env: Float64Array, g: number): number {
  const level = env[g] - Math.LN2;
  const side = (step: number): number => {
    for (let i = g + step; i >= 0 && i < env.length; i += step) {
      if (env[i] <= level) {
        const prev = env[i - step];
        return Math.abs(i - step - g) + (prev - level) / (prev - env[i]);
      }
      if (env[i] > env[i - step]) return NaN; // a valley before the half-power point
    }
    return NaN;
  };
  const left = side(-1);
  const right = side(1);
  if (Number.isFinite(left) && Number.isFinite(right)) return left + right;
  if (Number.isFinite(left)) return 2 * left;
  if (Number.isFinite(right)) return 2 * right;
  return NaN;
}

/** cos(2 pi k q / nFft) for k in kLo..kHi and q in qLo..qHi, per band and quefrency range. */
const cepstrumTables = new Map<string, Float64Array>();
function cepstrumCosines(kLo: number, kHi: number, qLo: number, qHi: number, nFft: number): Float64Array {
  const key = `${kLo},${kHi},${qLo},${qHi},${nFft}`;
  let t = cepstrumTables.get(key);
  if (!t) {
    const nk = kHi - kLo + 1;
    t = new Float64Array((qHi - qLo + 1) * nk);
    for (let q = qLo; q <= qHi; q++)
      for (let k = kLo; k <= kHi; k++) t[(q - qLo) * nk + k - kLo] = Math.cos((2 * Math.PI * k * q) / nFft);
    cepstrumTables.set(key, t);
  }
  return t;
}

/**
 * Cepstral peak prominence (dB) of one frame from the band kLo..kHi of its power spectrum only
 * (Hillenbrand's CPP, band-limited so that a phone line cannot move it): the cosine transform
 * of the band's mean-removed 10 log10 power at the quefrencies of the pitch range, the highest
 * peak's height above the least-squares line through that range.
 */
function frameCpp(
  power: Float64Array,
  off: number,
  kLo: number,
  kHi: number,
  qLo: number,
  qHi: number,
  nFft: number,
  logBand: Float64Array,
): number {
  const nk = kHi - kLo + 1;
  let mean = 0;
  for (let k = kLo; k <= kHi; k++) {
    const v = 10 * Math.log10(power[off + k] + EPS);
    logBand[k - kLo] = v;
    mean += v;
  }
  mean /= nk;
  const cos = cepstrumCosines(kLo, kHi, qLo, qHi, nFft);
  const nq = qHi - qLo + 1;
  let best = -Infinity;
  let bestQ = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let q = 0; q < nq; q++) {
    let c = 0;
    const row = q * nk;
    for (let i = 0; i < nk; i++) c += (logBand[i] - mean) * cos[row + i];
    c /= nk;
    sx += q;
    sy += c;
    sxx += q * q;
    sxy += q * c;
    if (c > best) {
      best = c;
      bestQ = q;
    }
  }
  const slope = (nq * sxy - sx * sy) / (nq * sxx - sx * sx);
  const icpt = (sy - slope * sx) / nq;
  return best - (icpt + slope * bestQ);
}

/** Least-squares slope of v over the utterance's normalised time 0..1. */
function slopeOverTime(v: number[]): number {
  if (v.length < 2) return 0;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return slopePerFrame(v, mean) * (v.length - 1);
}

/**
 * Utterance functionals of the robust descriptor set and their names. The names are stable
 * for a given options object (they travel with trained models).
 */
/**
 * The frame-level analysis behind the functionals and the contours: band descriptors of every
 * 10 ms frame, the speech-active and voiced frames, pitch and its strength, and the band
 * cepstra of the active frames (rows in activeList's order). The typed arrays may be views of
 * this module's scratch buffers: read them before the next call.
 */
interface FrameAnalysis {
  o: RobustDescriptorOptions;
  frames: number;
  /** Frame length and hop in samples (25 ms and 10 ms). */
  win: number;
  hop: number;
  power: Float64Array;
  bins: number;
  binHz: number;
  k0: number;
  k1: number;
  loud: Float64Array;
  alpha: Float64Array;
  hamm: Float64Array;
  slopeLo: Float64Array;
  slopeHi: Float64Array;
  centroid: Float64Array;
  flux: Float64Array;
  activeList: number[];
  voicedList: number[];
  unvoicedList: number[];
  f0: Float64Array;
  strength: Float64Array;
  /** Cepstra c0..c(nMfcc) of the active frames, nMfcc + 1 per row. */
  cep: Float64Array;
}

function analyseFrames(x: Float32Array, opts: Partial<RobustDescriptorOptions>): FrameAnalysis {
  const o = { ...DEFAULT_ROBUST_OPTIONS, ...opts };
  const sr = o.sampleRate;
  const nFft = sr > 16000 ? 1024 : sr > 8000 ? 512 : 256;
  const win = Math.round(0.025 * sr);
  const hop = Math.round(0.01 * sr);
  const spectra = framePowerSpectra(x, { winLength: win, hopLength: hop, nFft }, scratch.spectra);
  const { data: power, frames, bins } = spectra;
  const binHz = sr / nFft;
  const k0 = Math.max(1, Math.ceil(o.bandLowHz / binHz));
  const k1 = Math.min(bins - 1, Math.floor(o.bandHighHz / binHz));
  const k1000 = Math.round(1000 / binHz);
  const k2000 = Math.round(2000 / binHz);
  // Frame-level descriptors over the band.
  const loud = new Float64Array(frames);
  const alpha = new Float64Array(frames);
  const hamm = new Float64Array(frames);
  const slopeLo = new Float64Array(frames);
  const slopeHi = new Float64Array(frames);
  const centroid = new Float64Array(frames);
  const flux = new Float64Array(frames);
  const prev = new Float64Array(bins);
  const cur = new Float64Array(bins);
  const lineSlope = (spec: Float64Array, off: number, a: number, b: number) => {
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    const n = b - a + 1;
    for (let k = a; k <= b; k++) {
      const f = (k * binHz) / 1000;
      const db = 10 * Math.log10(spec[off + k] + EPS);
      sx += f;
      sy += db;
      sxx += f * f;
      sxy += f * db;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
  };
  for (let t = 0; t < frames; t++) {
    const off = t * bins;
    let total = EPS;
    let low = EPS;
    let wsum = 0;
    let pkLo = EPS;
    let pkHi = EPS;
    for (let k = k0; k <= k1; k++) {
      const p = power[off + k];
      total += p;
      wsum += p * k * binHz;
      if (k < k1000) low += p;
      if (k < k2000) pkLo = Math.max(pkLo, p);
      else pkHi = Math.max(pkHi, p);
    }
    loud[t] = 10 * Math.log10(total);
    alpha[t] = 10 * Math.log10(low / Math.max(total - low, EPS));
    hamm[t] = 10 * Math.log10(pkLo / pkHi);
    centroid[t] = wsum / total;
    slopeLo[t] = lineSlope(power, off, k0, k1000);
    slopeHi[t] = lineSlope(power, off, k1000, k1);
    let norm = EPS;
    for (let k = k0; k <= k1; k++) {
      cur[k] = Math.sqrt(power[off + k]);
      norm += cur[k];
    }
    let f = 0;
    for (let k = k0; k <= k1; k++) {
      const m = cur[k] / norm;
      f += (m - prev[k]) ** 2;
      prev[k] = m;
    }
    flux[t] = t === 0 ? 0 : f;
  }
  // Loudness relative to the utterance's own loud frames; pauses below activeBelowDb, and with
  // the noise-floor gate, below the floor plus activeAboveFloorDb.
  const sortedLoud = Float64Array.from(loud).sort();
  const ref = percentileSorted(sortedLoud, 95);
  const gate = o.activeAboveFloorDb ?? 0;
  const floor = gate > 0 ? percentileSorted(sortedLoud, o.floorPercentile ?? 10) - ref + gate : -Infinity;
  const active = new Uint8Array(frames);
  const activeList: number[] = [];
  for (let t = 0; t < frames; t++) {
    loud[t] -= ref;
    if (loud[t] >= -o.activeBelowDb && loud[t] >= floor) {
      active[t] = 1;
      activeList.push(t);
    }
  }
  const { f0, strength } = trackPitch(x, frames, hop / sr, active, o);
  const voicedList = activeList.filter((t) => Number.isFinite(f0[t]));
  const unvoicedList = activeList.filter((t) => !Number.isFinite(f0[t]));
  // Band-limited cepstra of the active frames.
  const fb = melFilterbank({
    sampleRate: sr,
    nFft,
    nMels: o.nMels,
    fMin: o.bandLowHz,
    fMax: o.bandHighHz,
    melScale: 'slaney',
    melNorm: 'slaney',
  });
  const nA = Math.max(1, activeList.length);
  // Zeroed: with no active frame, its one row is not written (nor read after).
  const logMel = scratch.logMel.take(nA * o.nMels).fill(0);
  activeList.forEach((t, i) => {
    melRowInto(power, t * bins, fb, logMel, i * o.nMels);
    for (let b = 0; b < o.nMels; b++) logMel[i * o.nMels + b] = Math.log(logMel[i * o.nMels + b] + EPS);
  });
  const cep = dctRows(logMel, nA, o.nMels, o.nMfcc + 1, scratch.cepstra);
  return {
    o,
    frames,
    win,
    hop,
    power,
    bins,
    binHz,
    k0,
    k1,
    loud,
    alpha,
    hamm,
    slopeLo,
    slopeHi,
    centroid,
    flux,
    activeList,
    voicedList,
    unvoicedList,
    f0,
    strength,
    cep,
  };
}

export function robustDescriptorFunctionals(
  x: Float32Array,
  opts: Partial<RobustDescriptorOptions> = {},
): { values: Float64Array; names: string[] } {
  const fa = analyseFrames(x, opts);
  const {
    o,
    frames,
    win,
    hop,
    power,
    bins,
    binHz,
    k0,
    k1,
    loud,
    alpha,
    hamm,
    slopeLo,
    slopeHi,
    centroid,
    flux,
  } = fa;
  const { activeList, voicedList, unvoicedList, f0, strength, cep } = fa;
  const sr = o.sampleRate;
  const values: number[] = [];
  const names: string[] = [];
  const push = (name: string, v: number) => {
    names.push(name);
    values.push(Number.isFinite(v) ? v : 0);
  };
  const seconds = hop / sr;
  // Pitch.
  const f0v = voicedList.map((t) => f0[t]);
  const fs = stats(f0v);
  const vRuns = runs(voicedList);
  const f0rf = riseFall(f0, vRuns);
  push('f0_mean', fs.mean);
  push('f0_std', fs.std);
  push('f0_p20', fs.p20);
  push('f0_p50', fs.p50);
  push('f0_p80', fs.p80);
  push('f0_range2080', fs.p80 - fs.p20);
  push('f0_slope', slopeOverTime(f0v));
  push('f0_riseMean', f0rf.rise);
  push('f0_fallMean', f0rf.fall);
  push('f0_jitter', f0rf.absMean);
  // Voicing and rhythm.
  const activeSec = activeList.length * seconds;
  const aRuns = runs(activeList);
  push('voicedFraction', activeList.length ? voicedList.length / activeList.length : 0);
  push('voicedRunsPerSec', activeSec > 0 ? vRuns.length / activeSec : 0);
  push('voicedRunMeanSec', vRuns.length ? (voicedList.length * seconds) / vRuns.length : 0);
  // Pauses inside the speech only: leading and trailing silence depends on how a corpus was cut.
  const span = activeList.length ? activeList[activeList.length - 1] - activeList[0] + 1 : 0;
  push('pauseFraction', span ? 1 - activeList.length / span : 0);
  // Syllable-rate proxy: loudness peaks (local maxima within +-50 ms, within 20 dB of the loud
  // frames) per second of active speech.
  let peaks = 0;
  for (const t of activeList) {
    if (loud[t] < -20) continue;
    let top = true;
    for (let u = Math.max(0, t - 5); u <= Math.min(frames - 1, t + 5) && top; u++)
      if (u !== t && (loud[u] > loud[t] || (loud[u] === loud[t] && u < t))) top = false;
    if (top) peaks++;
  }
  push('loudPeaksPerSec', activeSec > 0 ? peaks / activeSec : 0);
  push('activeRunsPerSec', activeSec > 0 ? aRuns.length / activeSec : 0);
  const hnr = voicedList.map((t) => 10 * Math.log10(strength[t] / (1 - strength[t])));
  const hs = stats(hnr);
  push('hnr_mean', hs.mean);
  push('hnr_std', hs.std);
  // Relative loudness.
  const lv = activeList.map((t) => loud[t]);
  const ls = stats(lv);
  const lrf = riseFall(loud, aRuns);
  push('loud_mean', ls.mean);
  push('loud_std', ls.std);
  push('loud_p20', ls.p20);
  push('loud_range2080', ls.p80 - ls.p20);
  push('loud_slope', slopeOverTime(lv));
  push('loud_riseMean', lrf.rise);
  push('loud_fallMean', lrf.fall);
  push('loud_shimmer', riseFall(loud, vRuns).absMean);
  push(
    'loud_voicedMinusUnvoiced',
    stats(voicedList.map((t) => loud[t])).mean - stats(unvoicedList.map((t) => loud[t])).mean,
  );
  // Spectral balance within the band, voiced and unvoiced frames apart.
  const spectral: [string, Float64Array][] = [
    ['alpha', alpha],
    ['hammarberg', hamm],
    ['slope300to1000', slopeLo],
    ['slope1000to3400', slopeHi],
    ['centroid', centroid],
  ];
  for (const [name, v] of spectral) {
    const sv = stats(voicedList.map((t) => v[t]));
    push(`${name}_voiced_mean`, sv.mean);
    push(`${name}_voiced_std`, sv.std);
    push(`${name}_unvoiced_mean`, stats(unvoicedList.map((t) => v[t])).mean);
  }
  const fl = stats(activeList.map((t) => flux[t]));
  push('flux_mean', fl.mean);
  push('flux_std', fl.std);
  // Band-limited MFCCs c1..cN: means (optional), spreads, and spreads of their deltas.
  const nC = o.nMfcc + 1;
  for (let c = 1; c < nC; c++) {
    const series: number[] = [];
    for (let i = 0; i < activeList.length; i++) series.push(cep[i * nC + c]);
    const cs = stats(series);
    if (o.mfccMeans) push(`mfcc${c}_mean`, cs.mean);
    push(`mfcc${c}_std`, cs.std);
    const d: number[] = [];
    let ia = 0;
    for (const [a, b] of aRuns) {
      for (let t = 1; t <= b - a; t++) d.push(cep[(ia + t) * nC + c] - cep[(ia + t - 1) * nC + c]);
      ia += b - a + 1;
    }
    push(`mfcc${c}_deltaStd`, stats(d).std);
  }
  if (o.voicedExtras) {
    // Pitch spread and movement that an octave jump cannot inflate: the median absolute
    // deviation, and rises and falls between analysed frames (20 ms) of at most 3 semitones.
    push('f0_mad', stats(f0v.map((v) => Math.abs(v - fs.p50))).p50);
    let rise = 0;
    let nr = 0;
    let fall = 0;
    let nf = 0;
    for (const [a, b] of vRuns)
      for (let t = a + 2; t <= b; t += 2) {
        const d = f0[t] - f0[t - 2];
        if (d > 0 && d <= 3) {
          rise += d;
          nr++;
        } else if (d < 0 && d >= -3) {
          fall -= d;
          nf++;
        }
      }
    push('f0_riseClip', nr ? rise / nr : 0);
    push('f0_fallClip', nf ? fall / nf : 0);
    // Loudness, spectral balance and cepstral spreads of voiced frames: background noise is
    // rarely voiced, and voiced frames have the best local signal-to-noise ratio.
    const lvv = stats(voicedList.map((t) => loud[t]));
    push('loudVoiced_std', lvv.std);
    push('loudVoiced_range2080', lvv.p80 - lvv.p20);
    for (const [name, v] of spectral) push(`${name}_voiced_p50`, stats(voicedList.map((t) => v[t])).p50);
    const row = new Map(activeList.map((t, i) => [t, i]));
    for (let c = 1; c < nC; c++)
      push(`mfcc${c}_voiced_std`, stats(voicedList.map((t) => cep[row.get(t)! * nC + c])).std);
  }
  const f3: number[] = [];
  const b1: number[] = [];
  const b2: number[] = [];
  if (o.formants) {
    const f1: number[] = [];
    const f2: number[] = [];
    // With voiceQuality, the same fit also gives F3 and the bandwidths (F1 and F2 unchanged).
    const ff = new Float64Array(o.voiceQuality ? 5 : 2);
    for (const t of voicedList) {
      frameFormants(power, t * bins, k0, k1, binHz, ff);
      if (Number.isFinite(ff[0])) f1.push(ff[0]);
      if (Number.isFinite(ff[1])) f2.push(ff[1]);
      if (o.voiceQuality) {
        if (Number.isFinite(ff[2])) f3.push(ff[2]);
        if (Number.isFinite(ff[3])) b1.push(ff[3]);
        if (Number.isFinite(ff[4])) b2.push(ff[4]);
      }
    }
    const s1 = stats(f1);
    const s2 = stats(f2);
    push('f1_mean', s1.mean);
    push('f1_std', s1.std);
    push('f1_p50', s1.p50);
    push('f2_mean', s2.mean);
    push('f2_std', s2.std);
    push('f2_p50', s2.p50);
  }
  if (o.voiceQuality) {
    const cpp: number[] = [];
    // CPP from its own 40 ms Hann frames (a 25 ms frame cannot resolve the harmonics of a low
    // voice, which would make CPP a measure of pitch), every other voiced frame.
    const cppWin = Math.round(CPP_WINDOW_SECONDS * sr);
    const cppFft = nextPow2(cppWin);
    const plan = realFftPlan(cppFft);
    const window = makeWindow('hann', cppWin);
    const frame = new Float64Array(cppFft);
    const spec = new Float64Array(cppFft / 2 + 1);
    const cBin = sr / cppFft;
    const c0 = Math.max(1, Math.ceil(o.bandLowHz / cBin));
    const c1 = Math.min(cppFft / 2, Math.floor(o.bandHighHz / cBin));
    const qLo = Math.ceil(sr / o.f0MaxHz);
    const qHi = Math.min(Math.floor(sr / o.f0MinHz), cppFft / 2 - 1);
    const logBand = new Float64Array(c1 - c0 + 1);
    for (let i = 0; i < voicedList.length; i += 2) {
      const start = voicedList[i] * hop + (win >> 1) - (cppWin >> 1);
      if (start < 0 || start + cppWin > x.length) continue;
      frame.fill(0);
      for (let j = 0; j < cppWin; j++) frame[j] = x[start + j] * window[j];
      powerSpectrumInto(plan, frame, spec);
      cpp.push(frameCpp(spec, 0, c0, c1, qLo, qHi, cppFft, logBand));
    }
    const s3 = stats(f3);
    const sb1 = stats(b1);
    const sb2 = stats(b2);
    const sc = stats(cpp);
    push('f3_mean', s3.mean);
    push('f3_p50', s3.p50);
    push('b1_mean', sb1.mean);
    push('b1_p50', sb1.p50);
    push('b2_mean', sb2.mean);
    push('b2_p50', sb2.p50);
    push('cpp_mean', sc.mean);
    push('cpp_std', sc.std);
    push('cpp_p20', sc.p20);
    push('cpp_p50', sc.p50);
    push('cpp_p80', sc.p80);
  }
  return { values: Float64Array.from(values), names };
}

/** Names of the values robustContours gives for every frame, in order. */
export const CONTOUR_NAMES: readonly string[] = [
  'active',
  'voiced',
  'loud',
  'f0',
  'hnr',
  'alpha',
  'hammarberg',
  'slope300to1000',
  'slope1000to3400',
  'centroid',
  'flux',
  'f1',
  'f2',
  ...Array.from({ length: DEFAULT_ROBUST_OPTIONS.nMfcc }, (_, i) => `mfcc${i + 1}_cmn`),
];

/**
 * The frame contours behind the robust descriptors, one row of CONTOUR_NAMES.length values per
 * 10 ms frame (frame t centred on t x 10 ms; frames x values, row-major): speech-active and voiced flags (0/1), loudness
 * relative to the utterance's loud frames (dB), pitch (semitones above 27.5 Hz) and harmonicity
 * (dB) of voiced frames, the band's spectral balance (alpha ratio, Hammarberg index, slopes,
 * centroid) of active frames, spectral flux, F1 and F2 of voiced frames, and the band-limited
 * cepstra c1..c12 of active frames minus their mean over the utterance's active frames (a
 * convolutive channel moves the means only). A value a frame does not have (the pitch of an
 * unvoiced frame, say) is NaN. The same analysis as robustDescriptorFunctionals with the same
 * options (the `robust3` family's by default); `nMfcc` must stay 12 to match CONTOUR_NAMES.
 */
export function robustContours(
  x: Float32Array,
  opts: Partial<RobustDescriptorOptions> = { ...ROBUST3_OPTIONS },
): { data: Float32Array; frames: number; names: readonly string[] } {
  const fa = analyseFrames(x, opts);
  const { o, frames, power, bins, binHz, k0, k1, activeList, voicedList, f0, strength, cep } = fa;
  if (o.nMfcc !== DEFAULT_ROBUST_OPTIONS.nMfcc) {
    throw new RangeError(`robustContours: nMfcc must be ${DEFAULT_ROBUST_OPTIONS.nMfcc}, got ${o.nMfcc}`);
  }
  const d = CONTOUR_NAMES.length;
  const at = (name: string) => CONTOUR_NAMES.indexOf(name);
  const [cActive, cVoiced, cLoud, cF0, cHnr, cFlux, cF1, cF2, cMfcc1] = [
    'active',
    'voiced',
    'loud',
    'f0',
    'hnr',
    'flux',
    'f1',
    'f2',
    'mfcc1_cmn',
  ].map(at);
  const band: [number, Float64Array][] = [
    [at('alpha'), fa.alpha],
    [at('hammarberg'), fa.hamm],
    [at('slope300to1000'), fa.slopeLo],
    [at('slope1000to3400'), fa.slopeHi],
    [at('centroid'), fa.centroid],
  ];
  const data = new Float32Array(frames * d).fill(NaN);
  for (let t = 0; t < frames; t++) {
    data[t * d + cActive] = 0;
    data[t * d + cVoiced] = 0;
    data[t * d + cLoud] = fa.loud[t];
    data[t * d + cFlux] = fa.flux[t];
  }
  const nC = o.nMfcc + 1;
  const cepMean = new Float64Array(nC);
  for (let i = 0; i < activeList.length; i++)
    for (let c = 1; c < nC; c++) cepMean[c] += cep[i * nC + c] / activeList.length;
  activeList.forEach((t, i) => {
    data[t * d + cActive] = 1;
    for (const [j, v] of band) data[t * d + j] = v[t];
    for (let c = 1; c < nC; c++) data[t * d + cMfcc1 + c - 1] = cep[i * nC + c] - cepMean[c];
  });
  const ff = new Float64Array(2);
  for (const t of voicedList) {
    data[t * d + cVoiced] = 1;
    data[t * d + cF0] = f0[t];
    data[t * d + cHnr] = 10 * Math.log10(strength[t] / (1 - strength[t]));
    frameFormants(power, t * bins, k0, k1, binHz, ff);
    data[t * d + cF1] = ff[0];
    data[t * d + cF2] = ff[1];
  }
  return { data, frames, names: CONTOUR_NAMES };
}
