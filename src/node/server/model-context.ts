import type { Prediction, Predictor } from '../../core/predict.js';
import type { SpeakerProfile, SpeakerProfileJSON } from '../../core/speaker-profile.js';
import type { BundleSummary } from './bundle-summary.js';
import type { AudioLimits, Classified } from './inference.js';

/** Options the speaker-adaptive Predictor takes (src/core/predict.ts). */
export interface PredictOptions {
  profile?: SpeakerProfile;
  descriptors?: Float32Array;
}

/**
 * What the server needs of a Predictor (the real one, or any object of the same shape). The
 * speaker-adaptive members are optional: a deep-only predictor has none of them.
 */
export interface ServerPredictor {
  readonly labels: string[];
  readonly manifest: Predictor['manifest'];
  predict(samples: Float32Array, sampleRate?: number, opts?: PredictOptions): Promise<Prediction>;
  readonly usesDescriptors?: boolean;
  readonly minSpeakerUtterances?: number;
  describe?(samples: Float32Array): Promise<Float32Array | null>;
}

/** How one request wants its clip classified. */
export interface ClassifyRequest {
  /** Also compute the clip's descriptor vector (models that use descriptors). */
  describe: boolean;
  /** Classify adapted to a speaker: the profile of their stored clips (null: none stored yet). */
  speaker: { profile: SpeakerProfileJSON | null } | null;
}

/** A model the server answers with, the limits it applies to audio, and how it classifies bytes. */
export interface ModelContext extends AudioLimits {
  id: string;
  predictor: ServerPredictor;
  summary: BundleSummary;
  /** Where the bundle's files are served for in-page inference (e.g. /model/default/), or null. */
  bundleUrl: string | null;
  /** Decode + classify: in-process, or in the worker pool. */
  classify(bytes: Uint8Array, request?: ClassifyRequest): Promise<Classified>;
  /** True while every inference worker has work waiting (live streams then skip partials). */
  busy(): boolean;
  /** Classify samples at the model's rate (streamed speech), where `classify` runs. */
  classifySamples(
    samples: Float32Array,
    request?: ClassifyRequest,
  ): Promise<Pick<Classified, 'prediction' | 'descriptors'>>;
}

export type { Prediction };
