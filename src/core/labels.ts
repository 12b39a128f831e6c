/**
 * The canonical emotion set shared by every corpus, model bundle and user interface.
 * Each corpus maps its own labels onto these names (see CORPUS_LABELS).
 */
export const EMOTIONS = [
  'neutral',
  'calm',
  'happiness',
  'sadness',
  'anger',
  'fear',
  'disgust',
  'boredom',
  'surprise',
] as const;

export type Emotion = (typeof EMOTIONS)[number];

export interface EmotionInfo {
  label: Emotion;
  emoji: string;
  /** CSS colour used for bars and charts. */
  colour: string;
  /** A short human description. */
  description: string;
}

export const EMOTION_INFO: Record<Emotion, EmotionInfo> = {
  neutral: { label: 'neutral', emoji: '😐', colour: '#8a8f98', description: 'neutral, no marked emotion' },
  calm: { label: 'calm', emoji: '😌', colour: '#5fb3b3', description: 'calm, relaxed' },
  happiness: { label: 'happiness', emoji: '😄', colour: '#f5b700', description: 'happy, joyful' },
  sadness: { label: 'sadness', emoji: '😢', colour: '#3f6fd8', description: 'sad' },
  anger: { label: 'anger', emoji: '😠', colour: '#d7263d', description: 'angry' },
  fear: { label: 'fear', emoji: '😨', colour: '#7b2cbf', description: 'afraid, anxious' },
  disgust: { label: 'disgust', emoji: '🤢', colour: '#4c9a2a', description: 'disgusted' },
  boredom: { label: 'boredom', emoji: '🥱', colour: '#a0785a', description: 'bored' },
  surprise: { label: 'surprise', emoji: '😲', colour: '#ff7f11', description: 'surprised' },
};

export function isEmotion(x: string): x is Emotion {
  return (EMOTIONS as readonly string[]).includes(x);
}

export function emojiFor(label: string): string {
  return isEmotion(label) ? EMOTION_INFO[label].emoji : '❓';
}

/**
 * Each corpus's own label -> canonical emotion. Keys are the corpus's codes or names as they
 * appear in file names or manifests (lower-cased for names).
 */
export const CORPUS_LABELS = {
  /** EMO-DB: the 6th character of the file name (German initial), or the English manifest name. */
  emodb: {
    W: 'anger', // Wut / Ärger
    L: 'boredom', // Langeweile
    E: 'disgust', // Ekel
    A: 'fear', // Angst
    F: 'happiness', // Freude
    T: 'sadness', // Trauer
    N: 'neutral',
  },
  /** RAVDESS: the third field of the file name. */
  ravdess: {
    '01': 'neutral',
    '02': 'calm',
    '03': 'happiness',
    '04': 'sadness',
    '05': 'anger',
    '06': 'fear',
    '07': 'disgust',
    '08': 'surprise',
  },
  /** ASED (Amharic): the first letter of the file name (English initial). */
  ased: {
    n: 'neutral',
    f: 'fear',
    h: 'happiness',
    s: 'sadness',
    a: 'anger',
  },
} as const satisfies Record<string, Record<string, Emotion>>;

/** Common English names and synonyms -> canonical emotion, for folder-per-label and manifests. */
const SYNONYMS: Record<string, Emotion> = {
  neutral: 'neutral',
  calm: 'calm',
  happy: 'happiness',
  happiness: 'happiness',
  joy: 'happiness',
  sad: 'sadness',
  sadness: 'sadness',
  angry: 'anger',
  anger: 'anger',
  fear: 'fear',
  fearful: 'fear',
  afraid: 'fear',
  disgust: 'disgust',
  disgusted: 'disgust',
  boredom: 'boredom',
  bored: 'boredom',
  surprise: 'surprise',
  surprised: 'surprise',
};

/** Maps a free-form label (any case, common synonyms) to the canonical set, or undefined. */
export function canonicalEmotion(raw: string): Emotion | undefined {
  return SYNONYMS[raw.trim().toLowerCase()];
}

/** The five emotions EMO-DB, RAVDESS and ASED all have: the label set of multi-corpus work. */
export const SHARED_EMOTIONS = [
  'neutral',
  'happiness',
  'sadness',
  'anger',
  'fear',
] as const satisfies readonly Emotion[];
