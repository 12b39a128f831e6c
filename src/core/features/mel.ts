/**
 * Mel scales and the triangular mel filterbank, as torchaudio.functional.melscale_fbanks:
 * band edges equally spaced in mel between fMin and fMax, triangles over the FFT bin
 * frequencies linspace(0, floor(sampleRate / 2), nFft / 2 + 1), optional Slaney area
 * normalisation (each triangle times 2 / its width in Hz).
 */
import type { FeatureConfig } from './config.js';
import { upperEdgeHz } from './config.js';
import type { Spectrogram } from './stft.js';

export type MelScale = 'slaney' | 'htk';

const SLANEY_F_SP = 200 / 3; // Hz per mel in the linear part
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP; // 15
const SLANEY_LOGSTEP = Math.log(6.4) / 27;

export function hzToMel(hz: number, scale: MelScale = 'slaney'): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  if (hz < SLANEY_MIN_LOG_HZ) return hz / SLANEY_F_SP;
  return SLANEY_MIN_LOG_MEL + Math.log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP;
}

export function melToHz(mel: number, scale: MelScale = 'slaney'): number {
  if (scale === 'htk') return 700 * (Math.pow(10, mel / 2595) - 1);
  if (mel < SLANEY_MIN_LOG_MEL) return mel * SLANEY_F_SP;
  return SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOGSTEP * (mel - SLANEY_MIN_LOG_MEL));
}

export type MelConfig = Pick<
  FeatureConfig,
  'sampleRate' | 'nFft' | 'nMels' | 'fMin' | 'fMax' | 'melScale' | 'melNorm'
>;

/** Filterbank stored sparsely: band b has weights[offsets[b] ..] for bins first[b] .. first[b] + count[b] - 1. */
export interface MelFilterbank {
  nMels: number;
  bins: number;
  first: Int32Array;
  count: Int32Array;
  offsets: Int32Array;
  weights: Float64Array;
  /** Dense nMels x bins matrix (row b = band b), for inspection and tests. */
  dense: Float64Array;
}

const filterbanks = new Map<string, MelFilterbank>();

/** The (cached) mel filterbank for a configuration. */
export function melFilterbank(cfg: MelConfig): MelFilterbank {
  const fMax = upperEdgeHz(cfg);
  const key = `${cfg.sampleRate}:${cfg.nFft}:${cfg.nMels}:${cfg.fMin}:${fMax}:${cfg.melScale}:${cfg.melNorm}`;
  const cached = filterbanks.get(key);
  if (cached) return cached;
  const { nMels, melScale } = cfg;
  const bins = (cfg.nFft >> 1) + 1;
  const topHz = Math.floor(cfg.sampleRate / 2);
  const binHz = new Float64Array(bins);
  for (let k = 0; k < bins; k++) binHz[k] = bins === 1 ? 0 : (topHz * k) / (bins - 1);
  const mMin = hzToMel(cfg.fMin, melScale);
  const mMax = hzToMel(fMax, melScale);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1), melScale);
  const dense = new Float64Array(nMels * bins);
  for (let b = 0; b < nMels; b++) {
    const lo = edges[b];
    const mid = edges[b + 1];
    const hi = edges[b + 2];
    const norm = cfg.melNorm === 'slaney' ? 2 / (hi - lo) : 1;
    for (let k = 0; k < bins; k++) {
      const down = (binHz[k] - lo) / (mid - lo);
      const up = (hi - binHz[k]) / (hi - mid);
      const v = Math.max(0, Math.min(down, up));
      dense[b * bins + k] = v * norm;
    }
  }
  const first = new Int32Array(nMels);
  const count = new Int32Array(nMels);
  const offsets = new Int32Array(nMels);
  const kept: number[] = [];
  for (let b = 0; b < nMels; b++) {
    let lo = 0;
    while (lo < bins && dense[b * bins + lo] === 0) lo++;
    let hi = bins - 1;
    while (hi >= lo && dense[b * bins + hi] === 0) hi--;
    first[b] = lo;
    count[b] = Math.max(0, hi - lo + 1);
    offsets[b] = kept.length;
    for (let k = lo; k <= hi; k++) kept.push(dense[b * bins + k]);
  }
  const fb: MelFilterbank = { nMels, bins, first, count, offsets, weights: Float64Array.from(kept), dense };
  filterbanks.set(key, fb);
  return fb;
}

/** One spectrum row (bins values at spec[specOffset ..]) times the filterbank -> out[outOffset .. + nMels). */
export function melRowInto(
  spec: Float64Array,
  specOffset: number,
  fb: MelFilterbank,
  out: Float64Array,
  outOffset: number,
): void {
  const { nMels, first, count, offsets, weights } = fb;
  for (let b = 0; b < nMels; b++) {
    // Two partial sums (alternate bins): half the add-latency chain of one.
    let a0 = 0;
    let a1 = 0;
    const o = offsets[b] - first[b] - specOffset;
    const end = specOffset + first[b] + count[b];
    let k = specOffset + first[b];
    for (; k + 1 < end; k += 2) {
      a0 += spec[k] * weights[o + k];
      a1 += spec[k + 1] * weights[o + k + 1];
    }
    if (k < end) a0 += spec[k] * weights[o + k];
    out[outOffset + b] = a0 + a1;
  }
}

/** Mel power: each frame of the spectrogram times the filterbank -> frames x nMels (double). */
export function applyMelFilterbank(spec: Spectrogram, fb: MelFilterbank): Float64Array {
  if (spec.bins !== fb.bins) {
    throw new RangeError(`spectrogram has ${spec.bins} bins but the filterbank expects ${fb.bins}`);
  }
  const out = new Float64Array(spec.frames * fb.nMels);
  for (let t = 0; t < spec.frames; t++) melRowInto(spec.data, t * spec.bins, fb, out, t * fb.nMels);
  return out;
}
