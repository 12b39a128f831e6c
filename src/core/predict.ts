/**
 * Predictor: a mono signal -> features (the bundle's FeatureConfig) -> per-coefficient
 * normalisation -> overlapping fixed-length windows (short clips padded) -> model ->
 * probabilities averaged over the windows -> label, emoji and confidence.
 * Platform-neutral: the same code serves the CLI, the HTTP API and the web page.
 */
import * as tf from '@tensorflow/tfjs';
import type { BundleManifest, LoadedBundle } from './bundle.js';
import { BundleError, checkModelMatchesManifest } from './bundle.js';
import { extractFeatures } from './features/index.js';
import { emojiFor } from './labels.js';
import { framesForSeconds, sliceFrames, windowStarts } from './windows.js';

export interface Prediction {
  label: string;
  emoji: string;
  /** Probability of the winning label, 0..1. */
  confidence: number;
  probabilities: Record<string, number>;
}

export interface TimelineSegment {
  startSec: number;
  endSec: number;
  prediction: Prediction;
}

/** Input the predictor cannot use (user-facing). */
export class PredictError extends Error {
  readonly code = 'BAD_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'PredictError';
  }
}

/** A frames-major matrix ready for windowing: `frames` rows of `coeffs` values. */
export interface ModelFrames {
  data: Float32Array;
  frames: number;
  coeffs: number;
  /** Samples per frame, to convert frames to seconds. */
  hopSamples: number;
}

/** Applies (x - mean[c]) / std[c] in place to a frames-major matrix; empty stats mean no-op. */
export function normaliseInPlace(
  data: Float32Array,
  coeffs: number,
  mean: number[],
  std: number[],
): Float32Array {
  if (mean.length === 0) return data;
  if (mean.length !== coeffs) {
    throw new BundleError(`normalisation has ${mean.length} coefficients but the features have ${coeffs}`);
  }
  for (let i = 0; i < data.length; i++) {
    const c = i % coeffs;
    data[i] = (data[i] - mean[c]) / std[c];
  }
  return data;
}

/** Turns a signal into normalised model frames according to the manifest (features or raw waveform). */
export function signalToModelFrames(samples: Float32Array, manifest: BundleManifest): ModelFrames {
  const { featureConfig: cfg, input, normalisation } = manifest;
  if (input.kind === 'waveform') {
    const data = normaliseInPlace(Float32Array.from(samples), 1, normalisation.mean, normalisation.std);
    return { data, frames: data.length, coeffs: 1, hopSamples: 1 };
  }
  const m = extractFeatures(samples, cfg);
  const data = normaliseInPlace(Float32Array.from(m.data), m.coeffs, normalisation.mean, normalisation.std);
  return { data, frames: m.frames, coeffs: m.coeffs, hopSamples: cfg.hopLength };
}

/** Window and hop lengths in model frames for the manifest's input policy. */
export function windowFrames(manifest: BundleManifest): { window: number; hop: number } {
  const { input, featureConfig: cfg } = manifest;
  const hopSamples = input.kind === 'waveform' ? 1 : cfg.hopLength;
  return {
    window: framesForSeconds(input.windowSec, cfg.sampleRate, hopSamples),
    hop: framesForSeconds(input.hopSec, cfg.sampleRate, hopSamples),
  };
}

/**
 * Stacks windows into the model's input tensor shape [n, ...inputShape]; one unknown (null)
 * dimension, e.g. frames for a model that takes any length, is inferred from the window size.
 */
export function windowsToTensor(windows: Float32Array[], inputShape: (number | null)[]): tf.Tensor {
  const per = windows[0].length;
  const known = inputShape.slice(1);
  const nulls = known.filter((d) => d === null).length;
  const fixed = known.reduce<number>((a, d) => a * (d ?? 1), 1);
  if (nulls > 1)
    throw new BundleError('model input shape may leave at most one dimension besides the batch undefined');
  const dims = known.map((d) => d ?? per / fixed);
  const size = dims.reduce((a, b) => a * b, 1);
  const flat = new Float32Array(windows.length * per);
  windows.forEach((w, i) => {
    if (w.length !== size || !Number.isInteger(size)) {
      throw new BundleError(
        `a window has ${w.length} values but the model expects ${size} (shape ${JSON.stringify(known)}); ` +
          'the bundle window length does not match its model',
      );
    }
    flat.set(w, i * per);
  });
  return tf.tensor(flat, [windows.length, ...dims]);
}

/**
 * Runs the model on windows in batches of `batchSize` (bounded memory for long recordings) and
 * returns the class probabilities averaged over all windows.
 */
export async function meanWindowProbabilities(
  model: tf.LayersModel,
  windows: Float32Array[],
  batchSize = 16,
): Promise<Float32Array> {
  let sum: Float32Array | null = null;
  for (let i = 0; i < windows.length; i += batchSize) {
    const x = windowsToTensor(windows.slice(i, i + batchSize), model.inputs[0].shape);
    const s = tf.tidy(() => (model.predict(x) as tf.Tensor).sum(0));
    const part = (await s.data()) as Float32Array;
    tf.dispose([x, s]);
    if (!sum) sum = Float32Array.from(part);
    else for (let k = 0; k < sum.length; k++) sum[k] += part[k];
  }
  return sum!.map((v) => v / windows.length);
}

export function toPrediction(probs: ArrayLike<number>, labels: string[]): Prediction {
  let best = 0;
  for (let i = 1; i < labels.length; i++) if (probs[i] > probs[best]) best = i;
  const probabilities: Record<string, number> = {};
  labels.forEach((l, i) => (probabilities[l] = probs[i]));
  return { label: labels[best], emoji: emojiFor(labels[best]), confidence: probs[best], probabilities };
}

export class Predictor {
  readonly labels: string[];
  readonly manifest: BundleManifest;
  readonly model: tf.LayersModel;

  private constructor(b: LoadedBundle) {
    checkModelMatchesManifest(b.model, b.manifest);
    this.model = b.model;
    this.manifest = b.manifest;
    this.labels = b.manifest.labels;
  }

  static fromBundle(b: LoadedBundle): Predictor {
    return new Predictor(b);
  }

  /** Sample rate the signal passed to predict() must have. */
  get sampleRate(): number {
    return this.manifest.featureConfig.sampleRate;
  }

  /** Mean class probabilities over the overlapping windows of a whole utterance. */
  async probabilities(samples: Float32Array, sampleRate?: number): Promise<Float32Array> {
    if (sampleRate !== undefined && sampleRate !== this.sampleRate) {
      throw new PredictError(
        `signal is at ${sampleRate} Hz but this model needs ${this.sampleRate} Hz; resample first`,
      );
    }
    if (!(samples instanceof Float32Array) || samples.length === 0) {
      throw new PredictError(
        'no audio samples to classify (expected a non-empty Float32Array of mono samples)',
      );
    }
    const frames = signalToModelFrames(samples, this.manifest);
    const { window, hop } = windowFrames(this.manifest);
    const windows = windowStarts(frames.frames, window, hop).map((s) =>
      sliceFrames(frames.data, frames.coeffs, s, window),
    );
    return meanWindowProbabilities(this.model, windows);
  }

  /** Classifies a whole utterance (mono, at `manifest.featureConfig.sampleRate`). */
  async predict(samples: Float32Array, sampleRate?: number): Promise<Prediction> {
    return toPrediction(await this.probabilities(samples, sampleRate), this.labels);
  }

  /**
   * Live mode: one prediction per segment of `windowSec`, every `hopSec` (defaults: the model's
   * window, half-overlapping). The last segment reaches the end of the signal.
   */
  async timeline(
    samples: Float32Array,
    windowSec: number = this.manifest.input.windowSec,
    hopSec: number = windowSec / 2,
  ): Promise<TimelineSegment[]> {
    if (!(windowSec > 0) || !(hopSec > 0)) {
      throw new PredictError(`timeline window (${windowSec} s) and hop (${hopSec} s) must be positive`);
    }
    const sr = this.sampleRate;
    const win = Math.max(1, Math.round(windowSec * sr));
    const starts = windowStarts(samples.length, win, Math.max(1, Math.round(hopSec * sr)));
    const out: TimelineSegment[] = [];
    for (const s of starts) {
      const seg = samples.subarray(s, Math.min(samples.length, s + win));
      out.push({ startSec: s / sr, endSec: (s + seg.length) / sr, prediction: await this.predict(seg) });
    }
    return out;
  }
}
