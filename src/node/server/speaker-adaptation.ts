import { SpeakerProfile, type SpeakerProfileJSON } from '../../core/speaker-profile.js';
import type { RecordingStore } from '../store/recordings.js';
import type { Classified } from './inference.js';
import type { ClassifyRequest, ModelContext } from './model-context.js';

/** What an answer says about speaker adaptation (null when no speaker was named). */
export type Adaptation = {
  speaker: string;
  /** Clips of this speaker the model's profile holds, this one included. */
  speakerUtterances: number;
  /** Whether the prediction was normalised with the speaker's profile. */
  adapted: boolean;
  /** Clips needed before the model adapts; null when this model never adapts to a speaker. */
  minSpeakerUtterances: number | null;
};

/** A prediction as the API answers and stores it: `adaptation` is always this module's (or null). */
export type ServedPrediction = Omit<Classified['prediction'], 'adaptation'> & {
  adaptation: Adaptation | null;
};

/**
 * A profile holds at most this many of the speaker's newest stored clips: plenty for a mean and
 * standard deviation, and a bounded read per request (each clip is ~11 KB of descriptors).
 */
export const MAX_PROFILE_CLIPS = 500;

/** The profile of `speaker`'s newest stored clips for `model`'s descriptors, or null when there are none. */
export function storedProfile(
  store: RecordingStore,
  model: ModelContext,
  speaker: string,
  maxClips = MAX_PROFILE_CLIPS,
): SpeakerProfileJSON | null {
  const kind = model.summary.descriptorKind;
  if (!kind) return null;
  const vectors = store.speakerDescriptors(speaker, kind, maxClips);
  if (vectors.length === 0) return null;
  const profile = new SpeakerProfile(vectors[0].length);
  for (const v of vectors) profile.add(v);
  return profile.toJSON();
}

/**
 * Classifies `bytes` with `model`, adapted to `speaker` when one is named: the speaker's
 * profile is built from their stored clips and sent with the audio to wherever inference runs.
 * `prediction` is the served form: the Predictor's own adaptation summary is replaced by the
 * API's `adaptation` (null without a speaker).
 */
export async function classifyForSpeaker(
  model: ModelContext,
  store: RecordingStore,
  bytes: Uint8Array,
  speaker: string | null,
): Promise<{ classified: Classified; prediction: ServedPrediction }> {
  const { classified, adaptation } = await classifyAdapted(model, store, bytes, speaker);
  return { classified, prediction: { ...classified.prediction, adaptation } };
}

async function classifyAdapted(
  model: ModelContext,
  store: RecordingStore,
  bytes: Uint8Array,
  speaker: string | null,
): Promise<{ classified: Classified; adaptation: Adaptation | null }> {
  const plan = speakerRequest(model, store, speaker);
  const classified = await model.classify(bytes, plan.request);
  return { classified, adaptation: servedAdaptation(model, plan, classified) };
}

/** How to classify for `speaker` (their stored profile, read once) and the clips stored before. */
export interface SpeakerRequest {
  speaker: string | null;
  request: ClassifyRequest;
  /** Clips of the speaker that count before this one. */
  storedClips: number;
}

/** The request that adapts `model` to `speaker` (null: no speaker), with the profile of their stored clips. */
export function speakerRequest(
  model: ModelContext,
  store: RecordingStore,
  speaker: string | null,
): SpeakerRequest {
  const describe = model.summary.descriptorKind !== null;
  if (speaker === null) return { speaker, request: { describe, speaker: null }, storedClips: 0 };
  const profile = storedProfile(store, model, speaker);
  return {
    speaker,
    request: { describe, speaker: { profile } },
    storedClips: describe ? (profile?.count ?? 0) : store.speakerCount(speaker),
  };
}

/** The API's `adaptation` of a prediction made with `plan` (null without a speaker). */
export function servedAdaptation(
  model: ModelContext,
  plan: SpeakerRequest,
  classified: Pick<Classified, 'prediction' | 'descriptors'>,
): Adaptation | null {
  if (plan.speaker === null) return null;
  const reported = classified.prediction.adaptation;
  const describe = model.summary.descriptorKind !== null;
  const count = plan.storedClips + (describe ? (classified.descriptors ? 1 : 0) : 1);
  return {
    speaker: plan.speaker,
    speakerUtterances: reported?.speakerUtterances ?? count,
    adapted: reported?.adapted ?? false,
    minSpeakerUtterances: model.summary.minSpeakerUtterances,
  };
}
