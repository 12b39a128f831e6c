import type { Adaptation, ModelInfo } from './api.js';

function clips(n: number): string {
  return `${n} clip${n === 1 ? '' : 's'}`;
}

/** One line on how a prediction used the speaker's clips; null when no speaker was named. */
export function adaptationText(a: Adaptation | null | undefined): string | null {
  if (!a) return null;
  if (a.adapted) return `Adapted to ${a.speaker} (${clips(a.speakerUtterances)}).`;
  if (a.minSpeakerUtterances === null) {
    return `This model does not adapt to a speaker (${a.speaker}: ${clips(a.speakerUtterances)} so far).`;
  }
  return `Not adapted to ${a.speaker} yet: ${a.speakerUtterances} of ${a.minSpeakerUtterances} clips.`;
}

/** What the server holds of a speaker for a model, in one line. */
export function speakerStatusText(
  name: string,
  model: Pick<ModelInfo, 'speakerAdaptation'>,
  storedClips: number,
): string {
  const min = model.speakerAdaptation?.minSpeakerUtterances;
  if (min === undefined) return `${name}: this model does not adapt to a speaker.`;
  const clips = `${storedClips} stored clip${storedClips === 1 ? '' : 's'}`;
  if (storedClips + 1 >= min) return `${name}: ${clips}; predictions adapt to this voice.`;
  return `${name}: ${clips}; adaptation starts at ${min} (each stored prediction counts).`;
}
