/**
 * ComParE-style utterance descriptors: many low-level descriptors (the basic set of
 * descriptors.ts plus 26 log-mel band energies, spectral entropy / skewness / kurtosis /
 * sharpness, several roll-off points, psychoacoustic-like loudness) and their deltas, each
 * summarised by a rich set of functionals (moments, quartiles and ranges, linear regression
 * slope and error, rise-time share; no up-level times, which flip on near-constant series); F0, HNR and voicing over voiced
 * frames with their deltas; and voiced / unvoiced segment statistics.
 */
import { melFilterbank, melRowInto } from '../features/mel.js';
import { percentileRanks, percentileSorted, selectRanks, slopePerFrame } from '../features/functionals.js';
import {
  DEFAULT_DESCRIPTOR_OPTIONS,
  frameDescriptors,
  framePowerSpectra,
  LLD_NAMES,
  type DescriptorOptions,
  type FrameSpectra,
} from './descriptors.js';

/** Extra spectral descriptors per frame, computed here (after the LLD_NAMES of descriptors.ts). */
export const EXTRA_LLD_NAMES = [
  'entropy',
  'skewness',
  'kurtosis',
  'sharpness',
  'rolloff25Hz',
  'rolloff50Hz',
  'rolloff75Hz',
  'rolloff90Hz',
  'loudnessSone',
] as const;

/**
 * Every constant of this family that shapes the vector (besides the names lists); the code below
 * reads them from here and descriptor-spec.ts records them in bundle manifests.
 */
export const EXTENDED_DESCRIPTOR_CONSTANTS = {
  eps: 1e-10,
  /** Log-mel band LLDs: HTK mel triangles without area normalisation, fMaxHz capped at Nyquist. */
  mel: { nMels: 26, fMinHz: 20, fMaxHz: 8000, melScale: 'htk', melNorm: null },
  /** rolloff25Hz .. rolloff90Hz. */
  rolloffFractions: [0.25, 0.5, 0.75, 0.9],
  /** Specific loudness per bin = power ** this (sharpness). */
  sharpnessLoudnessExponent: 0.23,
  /** Bark = a atan(b f) + c atan((f / d) ** 2). */
  bark: { a: 13, b: 0.00076, c: 3.5, d: 7500 },
  /** Sharpness weight above this Bark: scale exp(rate z); result times gain. */
  sharpnessWeightFromBark: 15,
  sharpnessWeightScale: 0.066,
  sharpnessWeightRate: 0.171,
  sharpnessGain: 0.11,
  /** loudnessSone = sum over mel bands of power ** this. */
  soneExponent: 0.3,
  /** Regression deltas: frames each side. */
  deltaWidth: 2,
} as const;

export const N_MEL_BANDS = EXTENDED_DESCRIPTOR_CONSTANTS.mel.nMels;

/** Functionals of one series over an utterance. */
export const EXT_STAT_NAMES = [
  'mean',
  'std',
  'skewness',
  'kurtosis',
  'min',
  'p1',
  'p25',
  'p50',
  'p75',
  'p99',
  'max',
  'range1to99',
  'iqr1to2',
  'iqr2to3',
  'iqr1to3',
  'linregSlope',
  'linregErr',
  'riseTime',
] as const;

const EPS = EXTENDED_DESCRIPTOR_CONSTANTS.eps;
const C = EXTENDED_DESCRIPTOR_CONSTANTS;

/**
 * The EXT_STAT_NAMES functionals of values in time order (non-finite values skipped); all zeros
 * when no value is finite. Slope is per unit of normalised time (0..1); rise time is the share
 * of steps going up. (Up-level time shares were left out: on near-constant series they flip
 * between 0 and 1 with a single frame, which made standardised values explode for new speakers.)
 */
export function richFunctionals(values: ArrayLike<number>): number[] {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const v = new Float64Array(n);
  for (let i = 0, j = 0; i < values.length; i++) if (Number.isFinite(values[i])) v[j++] = values[i];
  if (n === 0) return EXT_STAT_NAMES.map(() => 0);
  let mean = 0;
  for (const a of v) mean += a;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const a of v) {
    const d = a - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const std = Math.sqrt(m2);
  const skew = m2 > EPS ? m3 / m2 ** 1.5 : 0;
  const kurt = m2 > EPS ? m4 / (m2 * m2) : 0;
  // Only these order statistics are read: select them instead of sorting.
  const sorted = Float64Array.from(v);
  const qs = [1, 25, 50, 75, 99];
  selectRanks(
    sorted,
    n,
    [0, ...qs.flatMap((q) => percentileRanks(n, q)), n - 1].sort((a, b) => a - b),
  );
  // Slope per unit of normalised time 0..1 = slope per frame x (n - 1).
  const slope = slopePerFrame(v, mean) * (n - 1);
  let err = 0;
  if (n > 1) {
    for (let i = 0; i < n; i++) err += (v[i] - mean - slope * (i / (n - 1) - 0.5)) ** 2;
    err = Math.sqrt(err / n);
  }
  let rises = 0;
  for (let i = 1; i < n; i++) if (v[i] > v[i - 1]) rises++;
  const [p1, p25, p50, p75, p99] = qs.map((q) => percentileSorted(sorted, q));
  return [
    mean,
    std,
    skew,
    kurt,
    sorted[0],
    p1,
    p25,
    p50,
    p75,
    p99,
    sorted[n - 1],
    p99 - p1,
    p50 - p25,
    p75 - p50,
    p75 - p25,
    slope,
    err,
    n > 1 ? rises / (n - 1) : 0,
  ];
}

/** Regression deltas (width 2 each side, edges repeated) of a series. */
export function regressionDelta(
  v: ArrayLike<number>,
  width: number = C.deltaWidth,
  out: Float64Array = new Float64Array(v.length),
): Float64Array {
  const n = v.length;
  let denom = 0;
  for (let k = 1; k <= width; k++) denom += 2 * k * k;
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let k = 1; k <= width; k++) s += k * (v[Math.min(n - 1, t + k)] - v[Math.max(0, t - k)]);
    out[t] = s / denom;
  }
  return out;
}

/**
 * Frame-level extra spectral descriptors: frames x (EXTRA_LLD_NAMES + N_MEL_BANDS log-mel band
 * energies in dB), on the same centred framing as frameDescriptors.
 */
export function extraFrameDescriptors(
  x: Float32Array,
  opts: Partial<DescriptorOptions> = {},
  spectra?: FrameSpectra,
): { data: Float64Array; frames: number; names: string[] } {
  const o = { ...DEFAULT_DESCRIPTOR_OPTIONS, ...opts };
  const { sampleRate: sr, nFft } = o;
  const { data: power, frames, bins: nb } = spectra ?? framePowerSpectra(x, o);
  const fb = melFilterbank({
    sampleRate: sr,
    nFft,
    nMels: N_MEL_BANDS,
    fMin: C.mel.fMinHz,
    fMax: Math.min(C.mel.fMaxHz, sr / 2),
    melScale: C.mel.melScale,
    melNorm: C.mel.melNorm,
  });
  const mel = new Float64Array(N_MEL_BANDS);
  const nE = EXTRA_LLD_NAMES.length;
  const cols = nE + N_MEL_BANDS;
  const data = new Float64Array(frames * cols);
  const binHz = sr / nFft;
  const { a, b: bk, c, d: dk } = C.bark;
  const hzToBark = (f: number) => a * Math.atan(bk * f) + c * Math.atan((f / dk) ** 2);
  // Per-bin sharpness weight z * g(z) (g = scale exp(rate z) above the threshold Bark, else 1).
  const sharpW = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    const z = hzToBark(k * binHz);
    sharpW[k] =
      z * (z > C.sharpnessWeightFromBark ? C.sharpnessWeightScale * Math.exp(C.sharpnessWeightRate * z) : 1);
  }
  const targets = C.rolloffFractions;
  const lnLoud = C.sharpnessLoudnessExponent;
  const log2nb = Math.log2(nb);
  for (let t = 0; t < frames; t++) {
    const off = t * nb;
    let total = EPS;
    let c1 = 0;
    for (let k = 0; k < nb; k++) {
      const p = power[off + k];
      total += p;
      c1 += p * k * binHz;
    }
    c1 /= total;
    const lnTotal = Math.log(total);
    let entropy = 0;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    // Sharpness (Zwicker-like): specific-loudness-weighted mean Bark position, weighted up above 15 Bark.
    let sl = EPS;
    let sw = 0;
    for (let k = 0; k < nb; k++) {
      const s = power[off + k];
      const p = s / total;
      const d = k * binHz - c1;
      m2 += p * d * d;
      m3 += p * d * d * d;
      m4 += p * d * d * d * d;
      if (s > 0) {
        // One logarithm per bin: log2 p = (ln s - ln total) / ln 2, s ** exponent = exp(exponent ln s).
        const ln = Math.log(s);
        entropy -= p * (ln - lnTotal) * Math.LOG2E;
        const l = Math.exp(lnLoud * ln);
        sl += l;
        sw += l * sharpW[k];
      }
    }
    const row = t * cols;
    data[row] = entropy / log2nb;
    data[row + 1] = m2 > EPS ? m3 / m2 ** 1.5 : 0;
    data[row + 2] = m2 > EPS ? m4 / (m2 * m2) : 0;
    data[row + 3] = (C.sharpnessGain * sw) / sl;
    let acc = 0;
    let ti = 0;
    for (let k = 0; k < nb && ti < targets.length; k++) {
      acc += power[off + k];
      while (ti < targets.length && acc >= targets[ti] * total) data[row + 4 + ti++] = k * binHz;
    }
    melRowInto(power, off, fb, mel, 0);
    let sone = 0;
    for (let b = 0; b < N_MEL_BANDS; b++) {
      sone += Math.pow(mel[b] + EPS, C.soneExponent);
      data[row + nE + b] = 10 * Math.log10(mel[b] + EPS);
    }
    data[row + 8] = sone;
  }
  const names = [...EXTRA_LLD_NAMES, ...Array.from({ length: N_MEL_BANDS }, (_, b) => `melBand${b}Db`)];
  return { data, frames, names };
}

/** The names of extendedDescriptorFunctionals' values, once computed. */
let extendedNames: string[] | null = null;

/** Lengths (seconds) of the runs of consecutive true values. */
function runLengthsSec(mask: boolean[], hopSec: number): number[] {
  const out: number[] = [];
  let run = 0;
  for (const m of mask) {
    if (m) run++;
    else if (run > 0) {
      out.push(run * hopSec);
      run = 0;
    }
  }
  if (run > 0) out.push(run * hopSec);
  return out;
}

/**
 * Utterance-level ComParE-style functionals: EXT_STAT_NAMES of every LLD and its delta over the
 * non-silent frames; of F0, HNR, voiced loudness and their deltas over voiced frames; voicing
 * over non-silent frames; and voiced / unvoiced / pause segment statistics, jitter and shimmer.
 */
export function extendedDescriptorFunctionals(
  x: Float32Array,
  opts: Partial<DescriptorOptions> = {},
  shared?: FrameSpectra,
): { values: Float64Array; names: string[] } {
  const o = { ...DEFAULT_DESCRIPTOR_OPTIONS, ...opts };
  const spectra = shared ?? framePowerSpectra(x, o);
  const d = frameDescriptors(x, o, spectra);
  const e = extraFrameDescriptors(x, o, spectra);
  const nL = LLD_NAMES.length;
  const nE = e.names.length;
  const frames = Math.min(d.frames, e.frames);
  let peakDb = -Infinity;
  for (let t = 0; t < frames; t++) peakDb = Math.max(peakDb, d.lld[t * nL]);
  const isActive: boolean[] = [];
  const active: number[] = [];
  for (let t = 0; t < frames; t++) {
    const a = d.lld[t * nL] >= peakDb - o.silenceBelowPeakDb;
    isActive.push(a);
    if (a) active.push(t);
  }
  const values: number[] = [];
  // Names depend only on the family's constants: built on the first call, copied after.
  const names: string[] = [];
  const naming = extendedNames === null;
  const push = (base: string, stats: number[]) => {
    for (let i = 0; i < stats.length; i++) {
      values.push(stats[i]);
      if (naming) names.push(`${base}_${EXT_STAT_NAMES[i]}`);
    }
  };
  const delta = new Float64Array(frames);
  const gathered = new Float64Array(active.length);
  const gather = (full: Float64Array) => {
    for (let i = 0; i < active.length; i++) gathered[i] = full[active[i]];
    return gathered;
  };
  const series = (name: string, full: Float64Array) => {
    regressionDelta(full, C.deltaWidth, delta);
    push(name, richFunctionals(gather(full)));
    push(`${name}_de`, richFunctionals(gather(delta)));
  };
  const col = new Float64Array(frames);
  for (let c = 0; c < nL; c++) {
    for (let t = 0; t < frames; t++) col[t] = d.lld[t * nL + c];
    series(LLD_NAMES[c], col);
  }
  for (let c = 0; c < nE; c++) {
    for (let t = 0; t < frames; t++) col[t] = e.data[t * nE + c];
    series(e.names[c], col);
  }
  // Voiced-frame series: values and first differences within voiced runs.
  const voicedMask = active.map((t) => Number.isFinite(d.f0Semitones[t]));
  const voiced = active.filter((_, i) => voicedMask[i]);
  const voicedSeries = (name: string, f: (t: number) => number) => {
    const v = voiced.map(f);
    const dv: number[] = [];
    for (let i = 1; i < voiced.length; i++) if (voiced[i] === voiced[i - 1] + 1) dv.push(v[i] - v[i - 1]);
    push(name, richFunctionals(v));
    push(`${name}_de`, richFunctionals(dv));
    return dv;
  };
  const df0 = voicedSeries('f0Semitones', (t) => d.f0Semitones[t]);
  voicedSeries('hnrDb', (t) => d.hnrDb[t]);
  const dLoud = voicedSeries('voicedLoudnessDb', (t) => d.lld[t * nL]);
  push('voicing', richFunctionals(active.map((t) => d.voicing[t])));
  const meanAbs = (v: number[]) => (v.length ? v.reduce((a, b) => a + Math.abs(b), 0) / v.length : 0);
  const hopSec = o.hopLength / o.sampleRate;
  const voicedFull: boolean[] = [];
  for (let t = 0; t < frames; t++) voicedFull.push(isActive[t] && Number.isFinite(d.f0Semitones[t]));
  // Segments between the first and last active frame (leading / trailing silence ignored).
  const first = active[0] ?? 0;
  const last = active[active.length - 1] ?? -1;
  const inner = (m: boolean[]) => m.slice(first, last + 1);
  const vSeg = runLengthsSec(inner(voicedFull), hopSec);
  const uSeg = runLengthsSec(
    inner(voicedFull).map((v) => !v),
    hopSec,
  );
  const pSeg = runLengthsSec(
    inner(isActive).map((a) => !a),
    hopSec,
  );
  const spanSec = Math.max(hopSec, (last - first + 1) * hopSec);
  const segStats = (s: number[]) => {
    const n = s.length;
    const mean = n ? s.reduce((a, b) => a + b, 0) / n : 0;
    const std = n ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : 0;
    return [n / spanSec, mean, std, n ? Math.max(...s) : 0];
  };
  const segNames = ['perSec', 'meanSec', 'stdSec', 'maxSec'];
  for (const [name, s] of [
    ['voicedSeg', vSeg],
    ['unvoicedSeg', uSeg],
    ['pauseSeg', pSeg],
  ] as const) {
    segStats(s).forEach((v, i) => {
      values.push(v);
      names.push(`${name}_${segNames[i]}`);
    });
  }
  values.push(
    active.length ? voiced.length / active.length : 0,
    active.length / Math.max(1, frames),
    meanAbs(df0),
    meanAbs(dLoud),
  );
  names.push('voicedFraction', 'activeFraction', 'jitterSemitones', 'shimmerDb');
  if (naming) extendedNames = names;
  return { values: Float64Array.from(values), names: naming ? names.slice() : extendedNames!.slice() };
}
