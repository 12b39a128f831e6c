import { SpeakerProfile } from '../../core/speaker-profile.js';
import { requireSpeech } from '../../core/vad/index.js';
import { decodeBytes } from '../decode.js';
import type { ClassifyRequest, Prediction, ServerPredictor } from './model-context.js';

export interface Classified {
  prediction: Prediction;
  /** Duration of the decoded audio in seconds. */
  durationSec: number;
  /** Seconds of it the voice activity detector kept as speech (what was classified). */
  speechSec: number;
  /** Container the decoder recognised (wav, flac, mp3, ogg, webm, ...). */
  container: string;
  /** The clip's descriptor vector, when asked for and the model has one. */
  descriptors: Float32Array | null;
}

/** Decoding limits: longer audio is a 413 (TOO_LONG), shorter a 422 (TOO_SHORT). */
export interface AudioLimits {
  maxDurationSec: number;
  minDurationSec: number;
}

export const NO_SPEAKER: ClassifyRequest = { describe: false, speaker: null };

/**
 * Decodes uploaded bytes to mono at the model's sample rate and classifies their speech only
 * (src/core/vad: pauses and noise-only stretches are cut out; a clip without speech fails with
 * NoSpeechError, code NO_SPEECH). Decoding errors (AudioError, with a `code`) propagate to the
 * error handler, which maps them to 415/413/422. With a speaker, the clip's descriptors join the speaker's stored profile before
 * the prediction, so the clip counts towards its own adaptation.
 */
export async function classifyBytes(
  bytes: Uint8Array,
  predictor: ServerPredictor,
  limits: AudioLimits,
  request: ClassifyRequest = NO_SPEAKER,
): Promise<Classified> {
  const audio = await decodeBytes(bytes, {
    targetSampleRate: predictor.manifest.featureConfig.sampleRate,
    maxDurationSec: limits.maxDurationSec,
    minDurationSec: limits.minDurationSec,
  });
  const { speech } = requireSpeech(audio.samples, audio.sampleRate);
  const { prediction, descriptors } = await classifySamples(speech, predictor, request);
  return {
    prediction,
    durationSec: audio.source.durationSec,
    speechSec: speech.length / audio.sampleRate,
    container: audio.source.container,
    descriptors,
  };
}

/**
 * Classifies samples already at the model's rate (speech, e.g. a streamed segment). With a
 * speaker, the samples' descriptors join the speaker's profile before the prediction.
 */
export async function classifySamples(
  samples: Float32Array,
  predictor: ServerPredictor,
  request: ClassifyRequest = NO_SPEAKER,
): Promise<Pick<Classified, 'prediction' | 'descriptors'>> {
  const wantDescriptors =
    (request.describe || request.speaker !== null) && predictor.usesDescriptors === true;
  const descriptors = wantDescriptors && predictor.describe ? await predictor.describe(samples) : null;
  let profile: SpeakerProfile | undefined;
  if (request.speaker && descriptors) {
    const stored = request.speaker.profile;
    profile = stored ? SpeakerProfile.fromJSON(stored) : new SpeakerProfile(descriptors.length);
    profile.add(descriptors);
  }
  const prediction = await predictor.predict(samples, undefined, {
    ...(profile ? { profile } : {}),
    ...(descriptors ? { descriptors } : {}),
  });
  return { prediction, descriptors };
}
