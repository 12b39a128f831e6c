import { EMOTION_INFO, emojiFor, isEmotion } from '../../src/core/labels.js';

const UNKNOWN_COLOUR = '#6b7280';

/** The chart colour of a label (src/core/labels.ts), grey for labels outside the canonical set. */
export function colourFor(label: string): string {
  return isEmotion(label) ? EMOTION_INFO[label].colour : UNKNOWN_COLOUR;
}

export { emojiFor };
