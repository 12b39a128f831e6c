/**
 * Planning an evaluation run before anything is trained: which models are requested, which
 * come from earlier --json files (checked against this run), which must be evaluated here
 * (classical or deep), whether the options fit them, the deep models' audio at their feature
 * config's sample rate, and the order of the result table (an ensemble after its members).
 * `emovox evaluate` (src/cli/commands/evaluate.ts) parses options, calls these and prints.
 */
import { basename, extname } from 'node:path';
import {
  CLASSICAL_MODELS,
  isClassicalModel,
  type ClassicalModelName,
} from '../../../core/classical/pipeline.js';
import { EmovoxError } from '../../../core/errors.js';
import { parseFeatureConfig, type FeatureConfig } from '../../../core/features/index.js';
import { MODEL_NAMES, isModelName, modelInput } from '../../../core/models/registry.js';
import type { Utterance } from '../../datasets/index.js';
import { decodeCorpus } from '../load-audio.js';
import { ensembleEvaluation, ensembleMembers, isEnsembleName, parseWeights } from './ensemble.js';
import type { ModelEvaluation } from './evaluate.js';
import { matchStoredEvaluation, readEvaluationFile, type CurrentRun } from './evaluation-file.js';

/** A bad evaluate invocation (user-facing). */
export class EvaluateError extends EmovoxError {
  constructor(message: string) {
    super('BAD_EVALUATION', message);
  }
}

/** --train-options: a JSON object of trainer options (modelConfig, featureConfig, lr, augment...). */
export function parseTrainOptionsJson(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new EvaluateError(`--train-options is not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new EvaluateError(
      '--train-options must be a JSON object, e.g. \'{"lr":0.001,"modelConfig":{"dropout":0.3}}\'',
    );
  }
  return v as Record<string, unknown>;
}

/** Which models a run shows, and which of them must be evaluated here (the rest come from files). */
export interface ModelPlan {
  /** Every requested name in order, ensembles as 'a+b'. */
  requested: string[];
  classical: ClassicalModelName[];
  deep: string[];
}

export function planModels(o: PlanOptions, loaded: Map<string, ModelEvaluation>): ModelPlan {
  const requested = (o.model ?? (loaded.size > 0 ? '' : 'svm'))
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  // A name read whole from a file (even an ensemble's) needs no members.
  const members = [...new Set(requested.flatMap((n) => (loaded.has(n) ? [] : ensembleMembers(n))))];
  const unknown = members.filter((m) => !loaded.has(m) && !isClassicalModel(m) && !isModelName(m));
  if ((requested.length === 0 && loaded.size === 0) || unknown.length > 0) {
    throw new EvaluateError(
      `unknown model '${unknown.join(', ') || o.model}' (accepted: ${[...CLASSICAL_MODELS, ...MODEL_NAMES].join(', ')}${loaded.size ? `, or from --from-json: ${[...loaded.keys()].join(', ')}` : ''}; several comma-separated, ensembles joined by +)`,
    );
  }
  const fresh = members.filter((m) => !loaded.has(m));
  const deep = fresh.filter((m) => !isClassicalModel(m));
  if (o.profileClips !== undefined && (!o.speakerNorm || deep.length > 0)) {
    throw new EvaluateError(
      `--profile-clips needs --speaker-norm and classical models only${deep.length ? ` (not ${deep.join(', ')})` : ''}`,
    );
  }
  if (o.speakerNorm) {
    const waveform = deep.filter((m) => modelInput(m) === 'waveform');
    if (waveform.length > 0) {
      throw new EvaluateError(
        `--speaker-norm needs feature-based models; ${waveform.join(', ')} takes the raw waveform (leave it out or drop --speaker-norm)`,
      );
    }
  }
  const ensembles = requested.filter((n) => isEnsembleName(n) && !loaded.has(n));
  for (const m of ensembles.flatMap(ensembleMembers)) {
    if (loaded.get(m)?.predictions.length === 0) {
      throw new EvaluateError(
        `${m} from ${loaded.get(m)!.source} has no per-utterance predictions (written by an older emovox), so it cannot join an ensemble; re-run it with --json`,
      );
    }
  }
  if (o.ensembleWeights !== undefined) {
    if (ensembles.length === 0)
      throw new EvaluateError('--ensemble-weights needs an ensemble in --model, e.g. svm-linear+cnn2d-lstm');
    const n = parseWeights(o.ensembleWeights).length;
    const wrong = ensembles.find((e) => ensembleMembers(e).length !== n);
    if (wrong)
      throw new EvaluateError(
        `--ensemble-weights gives ${n} weights but ${wrong} has ${ensembleMembers(wrong).length} members`,
      );
  }
  return { requested, classical: fresh.filter(isClassicalModel), deep };
}

/** Reads --from-json files and checks each model against this run's corpus, protocol, seed and folds. */
export function loadEvaluations(
  fromJson: string | undefined,
  run: CurrentRun,
  log: (s: string) => void,
): Map<string, ModelEvaluation> {
  const loaded = new Map<string, ModelEvaluation>();
  for (const file of (fromJson ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)) {
    for (const stored of readEvaluationFile(file)) {
      let e = matchStoredEvaluation(stored, run);
      if (loaded.has(e.model)) {
        // The same model from two runs (e.g. with and without --speaker-norm): name the later one by its file.
        const alias = `${e.model}@${basename(file, extname(file))}`;
        if (loaded.has(alias)) {
          throw new EvaluateError(
            `model ${e.model} is in ${loaded.get(e.model)!.source} and twice more; give each file once`,
          );
        }
        e = { ...e, model: alias };
      }
      loaded.set(e.model, e);
      log(
        `${e.model}: taken from ${file} (UAR ${(e.uar * 100).toFixed(1)} %${e.predictions.length ? '' : '; no per-utterance predictions, so it cannot join an ensemble'})`,
      );
    }
  }
  return loaded;
}

/** The options of `emovox evaluate` that decide the plan. */
export interface PlanOptions {
  /** Comma-separated model names, ensembles joined by +. */
  model?: string;
  speakerNorm?: boolean;
  profileClips?: number;
  ensembleWeights?: string;
}

/**
 * The deep models' audio, decoded at the sample rate of their feature config (the trainer
 * options' featureConfig, 16 kHz by default): features must be computed at that rate.
 */
export async function deepSignals(
  utterances: readonly Utterance[],
  train: Record<string, unknown>,
  log: (s: string) => void,
): Promise<Map<string, Float32Array>> {
  const { sampleRate } = parseFeatureConfig((train.featureConfig ?? {}) as Partial<FeatureConfig>);
  const { signals } = await decodeCorpus(utterances, sampleRate, {
    onProgress: (d, n) => {
      if (d % 100 === 0 || d === n) log(`decoded ${d}/${n} at ${sampleRate} Hz`);
    },
  });
  return signals;
}

/**
 * The result table in order: each name once, an ensemble not read from a file computed from
 * its members (which come first), with `weights` (comma-separated) or equal weights.
 */
export function orderResults(
  names: readonly string[],
  available: ReadonlyMap<string, ModelEvaluation>,
  weights: string | undefined,
  onEnsemble: (e: ModelEvaluation) => void = () => {},
): ModelEvaluation[] {
  const results: ModelEvaluation[] = [];
  const add = (name: string) => {
    if (results.some((r) => r.model === name)) return;
    if (isEnsembleName(name) && !available.has(name)) {
      const members = ensembleMembers(name);
      members.forEach(add);
      const e = ensembleEvaluation(
        members.map((m) => available.get(m)!),
        weights !== undefined ? parseWeights(weights) : null,
      );
      onEnsemble(e);
      results.push(e);
    } else results.push(available.get(name)!);
  };
  names.forEach(add);
  return results;
}
