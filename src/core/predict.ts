/**
 * Predictor: one object for every bundle kind (src/core/bundle.ts).
 *   deep:      signal -> features (the bundle's FeatureConfig) -> per-coefficient
 *              normalisation -> overlapping fixed-length windows (short clips padded) -> model
 *              -> probabilities averaged over the windows.
 *   classical: signal -> utterance descriptor vector -> the global pipeline, or, given a
 *              SpeakerProfile of at least minSpeakerUtterances clips, the vector normalised with
 *              the profile's mean/std -> the speakerNorm pipeline.
 *   ensemble:  each member's probabilities, mapped onto the ensemble's labels by name
 *              (a label a member lacks counts 0; the member's distribution is renormalised over
 *              the shared labels), averaged with the manifest's fixed weights.
 * Then the manifest's calibration (temperature, "not sure" threshold), label, emoji and confidence. Platform-neutral: the same code serves the CLI, the HTTP
 * API and the web page.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  AnyManifest,
  BundleManifest,
  LoadedBundle,
  LoadedClassicalBundle,
  LoadedDeepBundle,
} from './bundle.js';
import {
  BundleError,
  checkModelMatchesManifest,
  manifestKind,
  type BundleKind,
  type UtteranceNorm,
} from './bundle.js';
import type { ClassicalModel } from './classical/serialize-model.js';
import { calibrate } from './calibration.js';
import { extractFeatures } from './features/index.js';
import { emojiFor } from './labels.js';
import type { SpeakerProfile } from './speaker-profile.js';
import { frameWindows, framesForSeconds, windowStarts } from './windows.js';
import { EmovoxError } from './errors.js';

export interface Prediction {
  label: string;
  emoji: string;
  /** Probability of the winning label, 0..1. */
  confidence: number;
  probabilities: Record<string, number>;
  /**
   * True when the bundle is calibrated and the (temperature-scaled) top probability is below
   * its `calibration.uncertainBelow`: say "not sure" rather than the label. Always false for
   * an uncalibrated bundle.
   */
  uncertain: boolean;
  /**
   * Bundles with a classical member: how many clips the speaker profile had and whether the
   * speaker-normalised pipeline was used (absent for deep-only bundles).
   */
  adaptation?: { speakerUtterances: number; adapted: boolean };
}

export interface PredictOptions {
  /** The speaker's profile; used when it has at least minSpeakerUtterances clips. */
  profile?: SpeakerProfile;
  /** This clip's descriptor vector from describe(), to avoid computing it twice. */
  descriptors?: Float32Array;
}

export interface TimelineSegment {
  startSec: number;
  endSec: number;
  prediction: Prediction;
}

/** Input the predictor cannot use (user-facing). */
export class PredictError extends EmovoxError {
  constructor(message: string) {
    super('BAD_INPUT', message);
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

/**
 * Standard deviations below this (in feature units: dB for log-mel) are not scaled up by
 * 'meanStd' utterance normalisation, so a near-constant band (the silent band above a phone
 * line's 3.4 kHz) stays near constant instead of becoming unit-variance noise.
 */
export const UTTERANCE_STD_FLOOR = 1;

/**
 * Per-utterance normalisation in place of a frames-major matrix: each coefficient minus its mean
 * over this clip's frames ('mean'), also divided by its standard deviation, floored at
 * UTTERANCE_STD_FLOOR ('meanStd'). A gain or a fixed filter adds a constant per log-mel band,
 * which this removes.
 */
export function utteranceNormaliseInPlace(
  data: Float32Array,
  coeffs: number,
  mode: UtteranceNorm,
): Float32Array {
  const frames = data.length / coeffs;
  if (frames === 0) return data;
  const sum = new Float64Array(coeffs);
  const sq = new Float64Array(coeffs);
  for (let i = 0; i < data.length; i++) sum[i % coeffs] += data[i];
  const mean = Array.from(sum, (s) => s / frames);
  for (let i = 0; i < data.length; i++) sq[i % coeffs] += (data[i] - mean[i % coeffs]) ** 2;
  const scale = Array.from(sq, (s) =>
    mode === 'meanStd' ? 1 / Math.max(UTTERANCE_STD_FLOOR, Math.sqrt(s / frames)) : 1,
  );
  for (let i = 0; i < data.length; i++) {
    const c = i % coeffs;
    data[i] = (data[i] - mean[c]) * scale[c];
  }
  return data;
}

/** Turns a signal into normalised model frames according to the manifest (features or raw waveform). */
export function signalToModelFrames(samples: Float32Array, manifest: BundleManifest): ModelFrames {
  const { featureConfig: cfg, input, normalisation } = manifest;
  if (input.kind === 'waveform') {
    if (normalisation.utterance) {
      throw new BundleError(
        `per-utterance normalisation ('${normalisation.utterance}') applies to feature models; this bundle takes the raw waveform`,
      );
    }
    const data = normaliseInPlace(Float32Array.from(samples), 1, normalisation.mean, normalisation.std);
    return { data, frames: data.length, coeffs: 1, hopSamples: 1 };
  }
  const m = extractFeatures(samples, cfg);
  const data = Float32Array.from(m.data);
  if (normalisation.utterance) utteranceNormaliseInPlace(data, m.coeffs, normalisation.utterance);
  normaliseInPlace(data, m.coeffs, normalisation.mean, normalisation.std);
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

export function toPrediction(probs: ArrayLike<number>, labels: string[], uncertain = false): Prediction {
  let best = 0;
  for (let i = 1; i < labels.length; i++) if (probs[i] > probs[best]) best = i;
  const probabilities: Record<string, number> = {};
  labels.forEach((l, i) => (probabilities[l] = probs[i]));
  return {
    label: labels[best],
    emoji: emojiFor(labels[best]),
    confidence: probs[best],
    probabilities,
    uncertain,
  };
}

/** Default timeline window of a bundle without a deep member (descriptors need a few seconds). */
export const CLASSICAL_TIMELINE_WINDOW_SEC = 3;

/** One scorer per member: class probabilities in its own label order. */
interface DeepScorer {
  kind: 'deep';
  labels: string[];
  model: tf.LayersModel;
  manifest: BundleManifest;
}
interface ClassicalScorer {
  kind: 'classical';
  labels: string[];
  model: ClassicalModel;
  minSpeakerUtterances: number;
}
type Scorer = DeepScorer | ClassicalScorer;

interface Member {
  name: string;
  weight: number;
  scorer: Scorer;
  /** For each ensemble label, the member's output index (-1: the member lacks it). */
  toEnsemble: Int32Array;
  /** The member's labels are the ensemble's, in the same order. */
  sameLabels: boolean;
}

function scorerOf(b: LoadedDeepBundle | LoadedClassicalBundle): Scorer {
  if (b.kind === 'classical') {
    const c = b.manifest.classical;
    return {
      kind: 'classical',
      labels: b.manifest.labels,
      model: b.classical,
      minSpeakerUtterances: c.speakerAdaptive ? c.minSpeakerUtterances : 0,
    };
  }
  checkModelMatchesManifest(b.model, b.manifest);
  return { kind: 'deep', labels: b.manifest.labels, model: b.model, manifest: b.manifest };
}

function membersOf(b: LoadedBundle): Member[] {
  const labels = b.manifest.labels;
  const list =
    b.kind === 'ensemble'
      ? b.members.map((m) => ({ name: m.name, weight: m.weight, scorer: scorerOf(m.bundle) }))
      : [{ name: manifestKind(b.manifest), weight: 1, scorer: scorerOf(b) }];
  return list.map((m) => ({
    ...m,
    toEnsemble: Int32Array.from(labels, (l) => m.scorer.labels.indexOf(l)),
    sameLabels: m.scorer.labels.join('\n') === labels.join('\n'),
  }));
}

export class Predictor {
  readonly labels: string[];
  readonly manifest: AnyManifest;
  readonly kind: BundleKind;
  /** The deep member's model (null without one). */
  readonly model: tf.LayersModel | null;
  /** True when the bundle has a classical member, which works on utterance descriptors. */
  readonly usesDescriptors: boolean;
  /** True when a speaker profile can switch the classical member to its speakerNorm pipeline. */
  readonly speakerAdaptive: boolean;
  /** Clips a profile needs before predictions are adapted (0 when the bundle cannot adapt). */
  readonly minSpeakerUtterances: number;
  private readonly members: Member[];
  private readonly classical: ClassicalScorer | null;

  private constructor(b: LoadedBundle) {
    this.manifest = b.manifest;
    this.labels = b.manifest.labels;
    this.kind = manifestKind(b.manifest);
    this.members = membersOf(b);
    const classical = this.members.map((m) => m.scorer).filter((s) => s.kind === 'classical');
    const deep = this.members.map((m) => m.scorer).filter((s) => s.kind === 'deep');
    if (classical.length > 1) throw new BundleError('an ensemble may have at most one classical member');
    this.classical = classical[0] ?? null;
    this.model = deep[0]?.model ?? null;
    this.usesDescriptors = this.classical !== null;
    this.minSpeakerUtterances = this.classical?.minSpeakerUtterances ?? 0;
    this.speakerAdaptive = this.minSpeakerUtterances > 0;
  }

  static fromBundle(b: LoadedBundle): Predictor {
    return new Predictor(b);
  }

  /** Sample rate the signal passed to predict() must have. */
  get sampleRate(): number {
    return this.manifest.featureConfig.sampleRate;
  }

  /** Length of the descriptor vector describe() returns (0 without a classical member). */
  get descriptorDim(): number {
    return this.classical?.model.dim ?? 0;
  }

  private checkSignal(samples: Float32Array, sampleRate?: number): void {
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
  }

  /**
   * The utterance descriptor vector the classical member classifies (and a SpeakerProfile
   * collects); null when the bundle has no classical member.
   */
  async describe(samples: Float32Array, sampleRate?: number): Promise<Float32Array | null> {
    if (!this.classical) return null;
    this.checkSignal(samples, sampleRate);
    return this.classical.model.describe(samples);
  }

  private async deepProbabilities(s: DeepScorer, samples: Float32Array): Promise<Float32Array> {
    const frames = signalToModelFrames(samples, s.manifest);
    const { window, hop } = windowFrames(s.manifest);
    return meanWindowProbabilities(s.model, frameWindows(frames.data, frames.coeffs, window, hop));
  }

  private classicalProbabilities(
    s: ClassicalScorer,
    descriptors: Float32Array,
    profile: SpeakerProfile | undefined,
  ): { probabilities: Float64Array; adapted: boolean } {
    if (profile && profile.dim !== s.model.dim) {
      throw new PredictError(
        `the speaker profile has ${profile.dim} descriptors but this model uses ${s.model.dim}; build it with this model's describe()`,
      );
    }
    const adapt =
      s.minSpeakerUtterances > 0 && profile !== undefined && profile.count >= s.minSpeakerUtterances;
    const r = s.model.probabilities(
      descriptors,
      adapt ? { mean: profile.mean(), std: profile.std() } : undefined,
    );
    return { probabilities: r.probabilities, adapted: r.path === 'speakerNorm' };
  }

  /**
   * Class probabilities (in `labels` order) of a whole utterance, and whether the classical
   * member used the speaker profile (null without a classical member). Raw: the manifest's
   * calibration is applied by predict(), so these are what a temperature is fitted on.
   */
  async scores(
    samples: Float32Array,
    sampleRate?: number,
    opts: PredictOptions = {},
  ): Promise<{ probabilities: Float32Array; adaptation: Prediction['adaptation'] }> {
    this.checkSignal(samples, sampleRate);
    return this.memberScores(samples, opts);
  }

  /** scores() of the members; `samples` may be null when every member is classical and `opts.descriptors` is given. */
  private async memberScores(
    samples: Float32Array | null,
    opts: PredictOptions,
  ): Promise<{ probabilities: Float32Array; adaptation: Prediction['adaptation'] }> {
    const k = this.labels.length;
    const total = new Float64Array(k);
    let weights = 0;
    let adaptation: Prediction['adaptation'];
    for (const m of this.members) {
      let p: ArrayLike<number>;
      if (m.scorer.kind === 'deep') p = await this.deepProbabilities(m.scorer, samples!);
      else {
        const d = opts.descriptors ?? m.scorer.model.describe(samples!);
        const r = this.classicalProbabilities(m.scorer, d, opts.profile);
        p = r.probabilities;
        adaptation = { speakerUtterances: opts.profile?.count ?? 0, adapted: r.adapted };
      }
      const mapped = Float64Array.from(m.toEnsemble, (i) => (i >= 0 ? p[i] : 0));
      // A member with exactly the ensemble's labels is used as is (a lone deep member's output
      // stays bit-identical); otherwise its mass on the shared labels is renormalised.
      const sum = m.sameLabels ? 1 : mapped.reduce((a, b) => a + b, 0);
      if (!(sum > 0)) continue; // the member gives no mass to any of the ensemble's labels
      for (let i = 0; i < k; i++) total[i] += (m.weight * mapped[i]) / sum;
      weights += m.weight;
    }
    const probabilities = Float32Array.from(total, (v) => (weights > 0 ? v / weights : 1 / k));
    return { probabilities, adaptation };
  }

  /** Mean class probabilities of a whole utterance (global path: no speaker profile). */
  async probabilities(samples: Float32Array, sampleRate?: number): Promise<Float32Array> {
    return (await this.scores(samples, sampleRate)).probabilities;
  }

  /**
   * Classifies a whole utterance (mono, at `manifest.featureConfig.sampleRate`). With
   * `opts.profile` of at least minSpeakerUtterances clips of the same speaker, the classical
   * member normalises per speaker (prediction.adaptation says which path was taken). A
   * calibrated bundle's probabilities are temperature-scaled and `uncertain` set below its
   * threshold (src/core/calibration.ts).
   */
  async predict(samples: Float32Array, sampleRate?: number, opts: PredictOptions = {}): Promise<Prediction> {
    return this.toCalibratedPrediction(await this.scores(samples, sampleRate, opts));
  }

  /**
   * predict() from a clip's describe() vector alone, without its samples: for bundles whose
   * members are all classical (a deep member needs the signal: PredictError otherwise).
   */
  async predictDescriptors(
    descriptors: Float32Array,
    opts: { profile?: SpeakerProfile } = {},
  ): Promise<Prediction> {
    if (this.model !== null) {
      throw new PredictError('this bundle has a network member, which needs the audio, not descriptors');
    }
    return this.toCalibratedPrediction(await this.memberScores(null, { ...opts, descriptors }));
  }

  private toCalibratedPrediction(r: {
    probabilities: Float32Array;
    adaptation: Prediction['adaptation'];
  }): Prediction {
    const c = calibrate(r.probabilities, this.manifest.calibration);
    const p = toPrediction(c.probabilities, this.labels, c.uncertain);
    return r.adaptation ? { ...p, adaptation: r.adaptation } : p;
  }

  /**
   * Live mode: one prediction of the whole bundle (every member) per segment of `windowSec`,
   * every `hopSec` (defaults: the deep member's window, or 3 s without one, half-overlapping).
   * The last segment reaches the end of the signal. `opts.profile` adapts each segment as in
   * predict().
   */
  async timeline(
    samples: Float32Array,
    windowSec: number = this.manifest.input?.windowSec ?? CLASSICAL_TIMELINE_WINDOW_SEC,
    hopSec: number = windowSec / 2,
    opts: { profile?: SpeakerProfile } = {},
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
      out.push({
        startSec: s / sr,
        endSec: (s + seg.length) / sr,
        prediction: await this.predict(seg, undefined, { profile: opts.profile }),
      });
    }
    return out;
  }
}
