/**
 * Pretraining: a network trained first on other corpora, whose weights then start the real
 * training instead of a fresh initialisation (the trainer's `initialWeights`). Used by
 * `emovox evaluate --pretrain` (once per run, every fold starting from it) and by `emovox train
 * --pretrain` / a deep member's `pretrain` corpora. The pretraining clips are those of the
 * target's labels (others are left out, so the output layer is the target's), trained with the
 * target's own options; none may be a clip of the target corpus.
 */
import { resolve } from 'node:path';
import type { HistoryEntry } from '../../core/bundle.js';
import type { CorpusSpec } from '../datasets/corpora.js';
import type { Utterance } from '../datasets/types.js';
import { TrainError, type TrainOptionsInput } from './options.js';
import { trainModel, type BatchProgress, type TrainSnapshot } from './trainer.js';

/** What the pretraining was, for the run's record and the model card. */
export interface PretrainSummary {
  corpus: string;
  /** Clips trained on (those of the target's labels). */
  utterances: number;
  speakers: number;
  /** Clips of other labels, left out. */
  left: number;
  epochs: number;
  finalLoss: number | null;
  finalAcc: number | null;
  seconds: number;
}

export interface PretrainInput {
  /** The other corpora's clips, and their signals at the model's sample rate. */
  items: readonly Utterance[];
  signals: Map<string, Float32Array>;
  /** Name of the pretraining corpora (e.g. "ravdess,ased"). */
  corpus: string;
  /** The target's labels, in output order. */
  labels: string[];
  /** The target's clips: refused if one of them is among `items`. */
  target: readonly Utterance[];
  /** The target's trainer options (modelName included); the pretraining trains with the same. */
  options: TrainOptionsInput;
  speakerNorm?: boolean;
  resume?: TrainSnapshot;
  onBatch?: (p: BatchProgress) => void;
  onEpoch?: (snapshot: TrainSnapshot, entry: HistoryEntry) => Promise<void> | void;
}

/** The clips a pretraining trains on: those of the target's labels, refused if one is a target clip. */
export function pretrainItems(
  items: readonly Utterance[],
  labels: string[],
  target: readonly Utterance[],
): Utterance[] {
  const targetPaths = new Set(target.map((u) => resolve(u.path)));
  const shared = items.find((u) => targetPaths.has(resolve(u.path)));
  if (shared) throw new TrainError(`pretraining clip ${shared.path} is also in the target corpus`);
  const train = items.filter((u) => labels.includes(u.label));
  if (train.length === 0) {
    throw new TrainError(`no pretraining clip has one of the target's labels (${labels.join(', ')})`);
  }
  return train;
}

/** Trains the pretraining network and returns its weights (model.getWeights() order) and summary. */
export async function pretrain(
  p: PretrainInput,
): Promise<{ weights: Float32Array[]; summary: PretrainSummary }> {
  const train = pretrainItems(p.items, p.labels, p.target);
  const t0 = performance.now();
  const result = await trainModel({
    ...p.options,
    corpus: p.corpus,
    train,
    signals: p.signals,
    labels: p.labels,
    speakerNorm: Boolean(p.speakerNorm),
    protocol: `pretraining on ${p.corpus}`,
    ...(p.resume ? { resume: p.resume } : {}),
    ...(p.onBatch ? { onBatch: p.onBatch } : {}),
    ...(p.onEpoch ? { onEpoch: p.onEpoch } : {}),
  });
  const weights = result.model.getWeights().map((t) => Float32Array.from(t.dataSync()));
  result.model.dispose();
  const last = result.history.at(-1);
  return {
    weights,
    summary: {
      corpus: p.corpus,
      utterances: train.length,
      speakers: new Set(train.map((u) => u.speaker)).size,
      left: p.items.length - train.length,
      epochs: result.history.length,
      finalLoss: last?.loss ?? null,
      finalAcc: last?.acc ?? null,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/**
 * The first pretraining corpus that is also a target corpus, or undefined: pretraining on the
 * corpus it is then tested on would see the test speakers. Named corpora (emodb, ravdess, ased)
 * are the same corpus by kind; folder and manifest corpora by path (clips shared between two
 * different ones are refused by pretrainItems).
 */
export function sharedCorpus(
  pretrainSpecs: readonly CorpusSpec[],
  targetSpecs: readonly CorpusSpec[],
): CorpusSpec | undefined {
  const key = (s: CorpusSpec) => (s.kind === 'manifest' || s.kind === 'folder' ? resolve(s.data) : s.kind);
  const target = new Set(targetSpecs.map(key));
  return pretrainSpecs.find((s) => target.has(key(s)));
}
