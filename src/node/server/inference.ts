import { decodeBytes } from '../decode.js';
import type { Prediction, ServerPredictor } from './model-context.js';

export interface Classified {
  prediction: Prediction;
  /** Duration of the decoded audio in seconds. */
  durationSec: number;
  /** Container the decoder recognised (wav, flac, mp3, ogg, webm, ...). */
  container: string;
}

/** Decoding limits: longer audio is a 413 (TOO_LONG), shorter a 422 (TOO_SHORT). */
export interface AudioLimits {
  maxDurationSec: number;
  minDurationSec: number;
}

/**
 * Decodes uploaded bytes to mono at the model's sample rate and classifies them. Decoding
 * errors (AudioError, with a `code`) propagate to the error handler, which maps them to
 * 415/413/422.
 */
export async function classifyBytes(
  bytes: Uint8Array,
  predictor: ServerPredictor,
  limits: AudioLimits,
): Promise<Classified> {
  const audio = await decodeBytes(bytes, {
    targetSampleRate: predictor.manifest.featureConfig.sampleRate,
    maxDurationSec: limits.maxDurationSec,
    minDurationSec: limits.minDurationSec,
  });
  const prediction = await predictor.predict(audio.samples);
  return { prediction, durationSec: audio.source.durationSec, container: audio.source.container };
}
