/**
 * Training data preparation: the speaker-disjoint validation split, the per-utterance cache of
 * model frames (features, or the waveform) for the clean signal and its augmented copies, and
 * the per-coefficient normalisation statistics (from clean training utterances only).
 */
import type { FeatureConfig } from '../../core/features/index.js';
import { extractFeatures } from '../../core/features/index.js';
import type { Normalisation, UtteranceNorm } from '../../core/bundle.js';
import { utteranceNormaliseInPlace } from '../../core/predict.js';
import type { Utterance } from '../datasets/types.js';
import { augmentSignal, type AugmentOptions } from './augment.js';
import type { Rng } from '../../core/random.js';
import { TrainError } from './options.js';
import { applyFrameStats, groupBySpeaker, poolFrameStats } from './evaluate/speaker-norm.js';

/** One utterance's cached, normalised frames: variants[0] is clean, the rest augmented copies. */
export interface CachedUtterance {
  utterance: Utterance;
  labelIndex: number;
  variants: Float32Array[];
}

export interface FrameCache {
  items: CachedUtterance[];
  coeffs: number;
}

/**
 * Picks `count` speakers of the training set for validation (seeded). Needs at least two
 * distinct speakers; with fewer, or count 0, there is no validation split.
 */
export function speakerSplit(
  utterances: Utterance[],
  count: number,
  rng: Rng,
): { train: Utterance[]; val: Utterance[]; valSpeakers: string[] } {
  const speakers = [...new Set(utterances.map((u) => u.speaker))].sort();
  if (count === 0 || speakers.length < 2) return { train: utterances, val: [], valSpeakers: [] };
  if (count >= speakers.length) {
    throw new TrainError(
      `cannot hold out ${count} validation speakers: the training data has only ${speakers.length} (${speakers.join(' ')})`,
    );
  }
  const chosen = new Set(rng.shuffle([...speakers]).slice(0, count));
  return {
    train: utterances.filter((u) => !chosen.has(u.speaker)),
    val: utterances.filter((u) => chosen.has(u.speaker)),
    valSpeakers: [...chosen].sort(),
  };
}

/** Raw (unnormalised) frames of a signal: features per the config, or the waveform as 1 coefficient. */
export function rawFrames(
  x: Float32Array,
  kind: 'features' | 'waveform',
  cfg: FeatureConfig,
): { data: Float32Array; coeffs: number } {
  if (kind === 'waveform') return { data: x, coeffs: 1 };
  const m = extractFeatures(x, cfg);
  return { data: m.data, coeffs: m.coeffs };
}

/**
 * Builds the frame cache; augmented copies only for `augmentCopies > 0` (training split). With
 * `utterance`, every variant (clean and augmented) is normalised by its own statistics
 * (utteranceNormaliseInPlace), as the Predictor does to each clip; features only.
 */
export async function buildCache(
  utterances: Utterance[],
  signals: Map<string, Float32Array>,
  labels: string[],
  kind: 'features' | 'waveform',
  cfg: FeatureConfig,
  augment: AugmentOptions | null,
  rng: Rng,
  utterance: UtteranceNorm | null = null,
): Promise<FrameCache> {
  if (utterance && kind === 'waveform') {
    throw new TrainError(
      'per-utterance normalisation needs a feature-based model; waveform models (cnn1d-lstm) take the raw signal',
    );
  }
  const items: CachedUtterance[] = [];
  let coeffs = 0;
  for (const u of utterances) {
    const x = signals.get(u.path);
    if (!x) throw new TrainError(`no decoded signal for ${u.path}`);
    const clean = rawFrames(x, kind, cfg);
    coeffs = clean.coeffs;
    const variants = [clean.data];
    for (let c = 0; c < (augment?.copies ?? 0); c++) {
      variants.push(rawFrames(await augmentSignal(x, cfg.sampleRate, augment!, rng), kind, cfg).data);
    }
    if (utterance) for (const v of variants) utteranceNormaliseInPlace(v, coeffs, utterance);
    items.push({ utterance: u, labelIndex: labels.indexOf(u.label), variants });
  }
  return { items, coeffs };
}

/** Mean and standard deviation per coefficient over the clean variants (features only). */
export function normalisationStats(cache: FrameCache, kind: 'features' | 'waveform'): Normalisation {
  if (kind === 'waveform') return { mean: [], std: [] };
  const c = cache.coeffs;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  let n = 0;
  for (const it of cache.items) {
    const d = it.variants[0];
    for (let i = 0; i < d.length; i++) {
      sum[i % c] += d[i];
      sq[i % c] += d[i] * d[i];
    }
    n += d.length / c;
  }
  const mean = Array.from(sum, (s) => s / Math.max(1, n));
  const std = Array.from(sq, (s, i) =>
    Math.max(1e-5, Math.sqrt(Math.max(0, s / Math.max(1, n) - mean[i] ** 2))),
  );
  return { mean, std };
}

/** Normalises every cached variant in place (copies first, since variant 0 may alias the signal). */
export function normaliseCache(cache: FrameCache, stats: Normalisation): void {
  if (stats.mean.length === 0) return;
  const c = cache.coeffs;
  for (const it of cache.items) {
    it.variants = it.variants.map((d) =>
      Float32Array.from(d, (v, i) => (v - stats.mean[i % c]) / stats.std[i % c]),
    );
  }
}

/**
 * Per-speaker normalisation of a feature cache (replaces every variant): each utterance's frames,
 * clean and augmented, are z-normalised per coefficient with the statistics of all clean frames
 * of its own speaker in this cache. Uses no labels. Waveform caches are refused.
 */
export function speakerNormaliseCache(cache: FrameCache, kind: 'features' | 'waveform'): void {
  if (kind === 'waveform') {
    throw new TrainError(
      'per-speaker normalisation needs a feature-based model; waveform models (cnn1d-lstm) take the raw signal',
    );
  }
  const c = cache.coeffs;
  const groups = groupBySpeaker(cache.items.map((it) => it.utterance.speaker));
  for (const idx of groups.values()) {
    const stats = poolFrameStats(
      idx.map((i) => {
        const d = cache.items[i].variants[0];
        return { data: d, frames: d.length / c, coeffs: c };
      }),
    );
    for (const i of idx) {
      const it = cache.items[i];
      it.variants = it.variants.map((d) => applyFrameStats(d, c, stats));
    }
  }
}
