/**
 * Deep models through the same folds as the classical ones: each fold trains a fresh network
 * with the trainer (early stopping on held-out *training* speakers only, never the test
 * speaker), classifies the test speaker's utterances the way the Predictor does, and the
 * predictions of all folds are pooled.
 */
import { Predictor } from '../../core/predict.js';
import type { Utterance } from '../datasets/types.js';
import { assertNoSpeakerLeak, makeFolds, type FoldOptions, type Protocol } from './cv.js';
import {
  labelsOf,
  summarise,
  type FoldResult,
  type ItemPrediction,
  type ModelEvaluation,
} from './evaluate.js';
import type { TrainOptionsInput } from './options.js';
import { trainModel, type BatchProgress } from './trainer.js';

export interface DeepEvalOptions {
  model: string;
  protocol: Protocol;
  corpus: string;
  foldOptions?: FoldOptions;
  /** Passed to the trainer (epochs, lr, augment, valSpeakers...); modelName and data are set here. */
  train?: Partial<TrainOptionsInput>;
  onFold?: (fold: FoldResult, index: number, total: number) => void;
  onBatch?: (fold: number, p: BatchProgress) => void;
}

export async function evaluateDeep(
  items: readonly Utterance[],
  signals: Map<string, Float32Array>,
  o: DeepEvalOptions,
): Promise<ModelEvaluation> {
  const t0 = performance.now();
  const labels = labelsOf(items);
  const plan = makeFolds(items, o.protocol, o.foldOptions);
  const predictions: ItemPrediction[] = [];
  const folds: FoldResult[] = [];
  const trainOptions = { valSpeakers: 1, ...o.train, modelName: o.model, corpus: o.corpus };
  for (const [fi, fold] of plan.folds.entries()) {
    const tf0 = performance.now();
    if (plan.speakerIndependent) assertNoSpeakerLeak(fold, items);
    const result = await trainModel({
      ...trainOptions,
      train: fold.train.map((i) => items[i]),
      signals,
      labels,
      protocol: `${plan.protocol} fold ${fold.name}`,
      onBatch: o.onBatch ? (p) => o.onBatch!(fi, p) : undefined,
    });
    const predictor = Predictor.fromBundle({ model: result.model, manifest: result.manifest });
    let correct = 0;
    for (const i of fold.test) {
      const u = items[i];
      const p = await predictor.predict(signals.get(u.path)!);
      const probabilities = labels.map((l) => Math.round((p.probabilities[l] ?? 0) * 1e4) / 1e4);
      if (p.label === u.label) correct++;
      predictions.push({
        path: u.path,
        speaker: u.speaker,
        label: u.label,
        predicted: p.label,
        fold: fold.name,
        probabilities,
      });
    }
    result.model.dispose();
    const fr: FoldResult = {
      name: fold.name,
      testSpeakers: fold.testSpeakers,
      nTrain: fold.train.length,
      nTest: fold.test.length,
      wa: correct / fold.test.length,
      params: {
        epochs: result.history.length,
        valSpeakers: result.valSpeakers,
        stoppedEarly: result.stoppedEarly,
      },
      innerUar: null,
      history: result.history,
      seconds: (performance.now() - tf0) / 1000,
    };
    folds.push(fr);
    o.onFold?.(fr, fi, plan.folds.length);
  }
  return {
    model: o.model,
    protocol: o.protocol,
    corpus: o.corpus,
    speakerNorm: false,
    tuned: false,
    ...summarise(predictions, labels),
    folds,
    predictions,
    seconds: (performance.now() - t0) / 1000,
    config: {
      ...trainOptions,
      protocolDescription: plan.description,
      speakerIndependent: plan.speakerIndependent,
    },
  };
}
