import type { Adaptation } from './api.js';

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
