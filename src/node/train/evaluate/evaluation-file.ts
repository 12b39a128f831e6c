/**
 * Reuse of finished evaluations (`emovox evaluate --from-json`): reads the JSON that --json
 * wrote (one model, or {"protocol","corpus","models":[...]}) and checks, before anything is
 * combined, that it was made on the same corpus, protocol, seed and exactly the same folds and
 * utterances as the current run. Files from before per-utterance predictions were saved can
 * still fill a table row (checked by fold names and sizes) but not an ensemble.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { FoldPlan, Protocol } from './cv.js';
import type { EvalItem, ModelEvaluation } from './evaluate.js';
import { describeIssues, EmovoxError } from '../../../core/errors.js';

/** An evaluation file that cannot be used for this run (user-facing). */
export class EvaluationFileError extends EmovoxError {
  constructor(message: string) {
    super('BAD_EVALUATION_FILE', message);
  }
}

const num = z.number().nullable();
const StoredModelSchema = z.object({
  protocol: z.string(),
  corpus: z.string(),
  model: z.string(),
  uar: z.number(),
  wa: z.number(),
  macroF1: z.number(),
  confusion: z.object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number())) }),
  folds: z.array(
    z.object({
      name: z.string(),
      testSpeakers: z.array(z.string()),
      nTrain: z.number(),
      nTest: z.number(),
      wa: z.number(),
      params: z.record(z.string(), z.unknown()).default({}),
      innerUar: num.default(null),
      history: z.array(z.any()).default([]),
      seconds: z.number().default(0),
    }),
  ),
  speakerNorm: z.boolean().default(false),
  tuned: z.boolean().default(false),
  perClass: z
    .array(
      z.object({
        label: z.string(),
        precision: num,
        recall: num,
        f1: num,
        support: z.number(),
        predicted: z.number(),
      }),
    )
    .default([]),
  perSpeaker: z
    .array(z.object({ speaker: z.string(), n: z.number(), wa: z.number(), uar: z.number() }))
    .default([]),
  seconds: z.number().default(0),
  seed: z.number().optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  predictions: z
    .array(
      z.object({
        path: z.string(),
        speaker: z.string(),
        label: z.string(),
        predicted: z.string(),
        fold: z.string(),
        probabilities: z.array(z.number()),
      }),
    )
    .default([]),
});

/** One model read from a file, with where its paths were relative to. */
export interface StoredEvaluation {
  evaluation: ModelEvaluation;
  /** The corpus folder of the run that wrote it (absolute), when recorded. */
  dataDir: string | null;
  file: string;
}

/** Reads every model evaluation in an --json file. */
export function readEvaluationFile(file: string): StoredEvaluation[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EvaluationFileError(`cannot read evaluation file ${file}: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null) {
    throw new EvaluationFileError(`${file} is not an evaluation file (expected a JSON object)`);
  }
  const top = doc as Record<string, unknown>;
  const entries = Array.isArray(top.models) ? (top.models as unknown[]) : [doc];
  const dataDir = typeof top.data === 'string' ? top.data : null;
  return entries.map((entry, i) => {
    const r = StoredModelSchema.safeParse(entry);
    if (!r.success) {
      const where = entries.length > 1 ? ` (model ${i + 1})` : '';
      const problem = describeIssues(r.error.issues.slice(0, 3));
      throw new EvaluationFileError(
        `${file}${where} is not an evaluation written by emovox evaluate --json: ${problem}`,
      );
    }
    const m = r.data;
    const seed = m.seed ?? (typeof top.seed === 'number' ? top.seed : undefined) ?? configSeed(m.config);
    return {
      file,
      dataDir,
      evaluation: { ...m, protocol: m.protocol as Protocol, seed, source: file },
    };
  });
}

function configSeed(config: Record<string, unknown>): number | undefined {
  return typeof config.seed === 'number' ? config.seed : undefined;
}

/** Key of an utterance path: relative to the corpus folder when that is known. */
function itemKey(path: string, dataDir: string | null): string {
  if (dataDir === null) return path;
  const r = relative(dataDir, path);
  return r.startsWith('..') || isAbsolute(r) ? path : r;
}

export interface CurrentRun {
  corpus: string;
  protocol: Protocol;
  seed: number;
  /** Absolute corpus folder. */
  dataDir: string;
  items: readonly EvalItem[];
  plan: FoldPlan;
}

/**
 * Checks a stored evaluation against the current run and returns it with its prediction paths
 * rewritten to the current run's paths. Throws EvaluationFileError naming the first difference.
 */
export function matchStoredEvaluation(s: StoredEvaluation, run: CurrentRun): ModelEvaluation {
  const e = s.evaluation;
  const what = `${s.file} (${e.model})`;
  if (e.corpus !== run.corpus)
    throw new EvaluationFileError(
      `${what} was evaluated on corpus ${e.corpus}, this run is on ${run.corpus}`,
    );
  if (e.protocol !== run.protocol) {
    throw new EvaluationFileError(
      `${what} used protocol ${e.protocol}, this run ${run.protocol}; figures of different protocols are not comparable`,
    );
  }
  if (e.seed !== undefined && e.seed !== run.seed) {
    throw new EvaluationFileError(
      `${what} was made with --seed ${e.seed}; run with --seed ${e.seed} to combine it`,
    );
  }
  const foldOf = new Map<string, string>();
  run.plan.folds.forEach((f) =>
    f.test.forEach((i) => foldOf.set(itemKey(run.items[i].path, run.dataDir), f.name)),
  );
  if (e.predictions.length === 0) {
    const same =
      e.folds.length === run.plan.folds.length &&
      e.folds.every((f, k) => f.name === run.plan.folds[k].name && f.nTest === run.plan.folds[k].test.length);
    if (!same) {
      throw new EvaluationFileError(
        `${what} has other folds than this run (${e.folds.map((f) => `${f.name}: ${f.nTest}`).join(', ')})`,
      );
    }
    return e;
  }
  const pathOf = new Map(run.items.map((u) => [itemKey(u.path, run.dataDir), u]));
  const seen = new Set<string>();
  const dataDir = s.dataDir === null ? null : resolve(s.dataDir);
  const predictions = e.predictions.map((p) => {
    const key = itemKey(p.path, dataDir);
    const u = pathOf.get(key);
    if (!u)
      throw new EvaluationFileError(
        `${what} has a prediction for ${key}, which is not among this run's utterances`,
      );
    if (seen.has(key)) throw new EvaluationFileError(`${what} predicts ${key} twice`);
    seen.add(key);
    if (u.label !== p.label)
      throw new EvaluationFileError(`${what} labels ${key} ${p.label}, this run ${u.label}`);
    if (foldOf.get(key) !== p.fold) {
      throw new EvaluationFileError(
        `${what} tested ${key} in fold '${p.fold}', this run in '${foldOf.get(key)}': not the same folds`,
      );
    }
    return { ...p, path: u.path, speaker: u.speaker };
  });
  if (seen.size !== run.items.length) {
    throw new EvaluationFileError(
      `${what} has predictions for ${seen.size} utterances, this run has ${run.items.length}: not the same utterances`,
    );
  }
  return { ...e, predictions };
}
