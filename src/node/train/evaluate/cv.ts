/**
 * Cross-validation folds over utterances. 'loso' (leave one speaker out) and 'holdout' keep
 * every speaker on one side of the split, so a figure says how the model does on a stranger's
 * voice. 'kfold' is stratified by label and speaker-dependent (the same speakers appear in
 * train and test): it inflates accuracy and is reported only as a secondary, labelled figure.
 */
import { seededRng, shuffleInPlace } from '../../../core/random.js';
import { EmovoxError } from '../../../core/errors.js';

export const PROTOCOLS = ['loso', 'kfold', 'holdout'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface FoldItem {
  speaker: string;
  label: string;
}

export interface Fold {
  /** e.g. 'speaker 03', 'fold 2/5', 'holdout'. */
  name: string;
  /** Speakers whose utterances are tested (all of them for kfold). */
  testSpeakers: string[];
  train: number[];
  test: number[];
}

export interface FoldPlan {
  protocol: Protocol;
  speakerIndependent: boolean;
  /** One line saying what the protocol means, for reports. */
  description: string;
  folds: Fold[];
}

export interface FoldOptions {
  /** kfold: number of folds (default 10). */
  k?: number;
  /** holdout: fraction of speakers tested (default 0.2, at least one speaker). */
  testFraction?: number;
  seed?: number;
}

/** A test speaker also present in training: the evaluation would be dishonest (user-facing). */
export class LeakError extends EmovoxError {
  constructor(message: string) {
    super('SPEAKER_LEAK', message, { userFacing: false });
  }
}

/** Distinct speakers in order of first appearance, sorted for stable fold order. */
export function speakersOf(items: readonly FoldItem[]): string[] {
  return [...new Set(items.map((u) => u.speaker))].sort();
}

/** One fold per speaker: train on all the others, test on that speaker. */
export function losoFolds(items: readonly FoldItem[]): Fold[] {
  const speakers = speakersOf(items);
  if (speakers.length < 2) {
    throw new RangeError(`leave-one-speaker-out needs at least 2 speakers, found ${speakers.length}`);
  }
  return speakers.map((s) => ({
    name: `speaker ${s}`,
    testSpeakers: [s],
    train: indicesWhere(items, (u) => u.speaker !== s),
    test: indicesWhere(items, (u) => u.speaker === s),
  }));
}

/** Stratified k folds: each label's utterances are shuffled (seeded) and dealt round-robin. */
export function stratifiedKFolds(items: readonly FoldItem[], k = 10, seed = 1): Fold[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  if (items.length < k)
    throw new RangeError(`${k} folds need at least ${k} utterances, found ${items.length}`);
  const rng = seededRng(seed);
  const foldOf = new Int32Array(items.length);
  let next = 0;
  for (const label of [...new Set(items.map((u) => u.label))].sort()) {
    const idx = shuffleInPlace(
      indicesWhere(items, (u) => u.label === label),
      rng,
    ) as number[];
    for (const i of idx) foldOf[i] = next++ % k;
  }
  const all = speakersOf(items);
  return Array.from({ length: k }, (_, f) => ({
    name: `fold ${f + 1}/${k}`,
    testSpeakers: all,
    train: indicesWhere(items, (_, i) => foldOf[i] !== f),
    test: indicesWhere(items, (_, i) => foldOf[i] === f),
  }));
}

/** One speaker-disjoint split: a seeded random testFraction of the speakers is held out. */
export function holdoutFold(items: readonly FoldItem[], testFraction = 0.2, seed = 1): Fold {
  if (!(testFraction > 0 && testFraction < 1))
    throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  const speakers = speakersOf(items);
  if (speakers.length < 2)
    throw new RangeError(`a speaker-disjoint holdout needs at least 2 speakers, found ${speakers.length}`);
  const nTest = Math.min(speakers.length - 1, Math.max(1, Math.round(speakers.length * testFraction)));
  const test = new Set((shuffleInPlace([...speakers], seededRng(seed)) as string[]).slice(0, nTest));
  return {
    name: 'holdout',
    testSpeakers: [...test].sort(),
    train: indicesWhere(items, (u) => !test.has(u.speaker)),
    test: indicesWhere(items, (u) => test.has(u.speaker)),
  };
}

export function makeFolds(items: readonly FoldItem[], protocol: Protocol, opts: FoldOptions = {}): FoldPlan {
  switch (protocol) {
    case 'loso':
      return {
        protocol,
        speakerIndependent: true,
        description: 'leave-one-speaker-out: one fold per speaker, predictions of all folds pooled',
        folds: losoFolds(items),
      };
    case 'kfold': {
      const k = opts.k ?? 10;
      return {
        protocol,
        speakerIndependent: false,
        description: `stratified ${k}-fold, SPEAKER-DEPENDENT (test speakers also in training; optimistic, secondary figure only)`,
        folds: stratifiedKFolds(items, k, opts.seed),
      };
    }
    case 'holdout':
      return {
        protocol,
        speakerIndependent: true,
        description: `speaker-disjoint holdout of ${Math.round((opts.testFraction ?? 0.2) * 100)} % of the speakers`,
        folds: [holdoutFold(items, opts.testFraction, opts.seed)],
      };
    default:
      throw new RangeError(`unknown protocol '${String(protocol)}' (accepted: ${PROTOCOLS.join(', ')})`);
  }
}

/**
 * Picks n of the training speakers (seeded) to hold out as inner validation for early stopping
 * or tuning; never touches the test speakers because it only sees the training speakers.
 */
export function innerValidationSpeakers(trainSpeakers: readonly string[], n = 1, seed = 1): string[] {
  const unique = [...new Set(trainSpeakers)].sort();
  if (!(Number.isInteger(n) && n >= 1 && n < unique.length)) {
    throw new RangeError(`inner validation needs 1 <= n < ${unique.length} training speakers, got n = ${n}`);
  }
  return (shuffleInPlace(unique, seededRng(seed)) as string[]).slice(0, n).sort();
}

/** Throws LeakError if a speaker-independent fold has a test speaker among its training utterances. */
export function assertNoSpeakerLeak(fold: Fold, items: readonly FoldItem[]): void {
  const trainSpeakers = new Set(fold.train.map((i) => items[i].speaker));
  const leaked = [...new Set(fold.test.map((i) => items[i].speaker))].filter((s) => trainSpeakers.has(s));
  if (leaked.length > 0) {
    throw new LeakError(`${fold.name}: test speaker(s) ${leaked.join(', ')} also appear in training`);
  }
}

function indicesWhere(items: readonly FoldItem[], keep: (u: FoldItem, i: number) => boolean): number[] {
  const out: number[] = [];
  items.forEach((u, i) => {
    if (keep(u, i)) out.push(i);
  });
  return out;
}
