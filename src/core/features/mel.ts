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
  /**
   * Bands 2p and 2p + 1 over the union of their bins (first pairFirst[p], pairCount[p] bins),
   * weights interleaved (band 2p, band 2p + 1; 0 outside a band) at pairOffsets[p]: melRowInto
   * runs one loop per pair of bands instead of one per band. Only for an even nMels.
   */
  pairs: { first: Int32Array; count: Int32Array; offsets: Int32Array; weights: Float64Array } | null;
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
  const fb: MelFilterbank = {
    nMels,
    bins,
    first,
    count,
    offsets,
    weights: Float64Array.from(kept),
    dense,
    pairs: bandPairs(nMels, bins, first, count, dense),
  };
  filterbanks.set(key, fb);
  return fb;
}

function bandPairs(
  nMels: number,
  bins: number,
  first: Int32Array,
  count: Int32Array,
  dense: Float64Array,
): MelFilterbank['pairs'] {
  if (nMels % 2 !== 0) return null;
  const n = nMels / 2;
  const pf = new Int32Array(n);
  const pc = new Int32Array(n);
  const po = new Int32Array(n);
  const w: number[] = [];
  for (let p = 0; p < n; p++) {
    const a = 2 * p;
    const lo = Math.min(first[a], first[a + 1]);
    const hi = Math.max(first[a] + count[a], first[a + 1] + count[a + 1]);
    pf[p] = lo;
    pc[p] = Math.max(0, hi - lo);
    po[p] = w.length;
    for (let k = lo; k < hi; k++) w.push(dense[a * bins + k], dense[(a + 1) * bins + k]);
  }
  return { first: pf, count: pc, offsets: po, weights: Float64Array.from(w) };
}

/**
 * One spectrum row (bins values at spec[specOffset ..]) times the filterbank -> out[outOffset ..
 * + nMels). Each band is summed in two partial sums (alternate bins: half the add-latency chain
 * of one); with band pairs, two bands share one loop over their bins, the bins outside a band
 * adding exact zeros: the same sums as band by band.
 */
export function melRowInto(
  spec: Float64Array,
  specOffset: number,
  fb: MelFilterbank,
  out: Float64Array,
  outOffset: number,
): void {
  const { nMels, first, count, offsets, weights, pairs } = fb;
  if (pairs) {
    const pw = pairs.weights;
    for (let p = 0; p < nMels >> 1; p++) {
      // Partial sums of band 2p (a) and 2p + 1 (b) over alternate bins of the pair's range.
      let a0 = 0;
      let a1 = 0;
      let b0 = 0;
      let b1 = 0;
      let k = specOffset + pairs.first[p];
      const end = k + pairs.count[p];
      let o = pairs.offsets[p];
      for (; k + 1 < end; k += 2, o += 4) {
        const s0 = spec[k];
        const s1 = spec[k + 1];
        a0 += s0 * pw[o];
        b0 += s0 * pw[o + 1];
        a1 += s1 * pw[o + 2];
        b1 += s1 * pw[o + 3];
      }
      if (k < end) {
        a0 += spec[k] * pw[o];
        b0 += spec[k] * pw[o + 1];
      }
      out[outOffset + 2 * p] = a0 + a1;
      out[outOffset + 2 * p + 1] = b0 + b1;
    }
    return;
  }
  for (let b = 0; b < nMels; b++) {
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
