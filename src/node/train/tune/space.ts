/**
 * The search space of `emovox tune`: a JSON object whose keys are dotted paths into the trainer
 * options (`lr`, `modelConfig.dropout`, `featureConfig.nMels`, `augment.copies`, ...) or, for the
 * classical models, the options `emovox evaluate` has flags for (`c`, `gamma`, `pca`, `trees`,
 * `speakerNorm`, `descriptors`). Each value is a list of candidates (grid and random search) or a
 * range `{"min","max","log","int"}` (random search only). Validated with zod; every error names
 * the key and what it accepts.
 */
import { z } from 'zod';
import { seededRng, shuffleInPlace } from '../../../core/random.js';
import { isClassicalModel } from '../../../core/classical/pipeline.js';
import {
  DEFAULT_FEATURE_CONFIG,
  FeatureConfigSchema,
  parseFeatureConfig,
} from '../../../core/features/index.js';
import { ModelConfigSchema } from '../../../core/models/config.js';
import { defaultModelConfig } from '../../../core/models/registry.js';
import { AugmentOptionsSchema } from '../augment.js';
import { parseTrainOptions, TrainOptionsSchema } from '../options.js';
import { EmovoxError } from '../../../core/errors.js';

/** A bad space file or search request (user-facing). */
export class TuneError extends EmovoxError {
  constructor(message: string) {
    super('BAD_TUNE', message);
  }
}

export const SEARCHES = ['grid', 'random'] as const;
export type Search = (typeof SEARCHES)[number];

/** Grids larger than this need an explicit --trials (a seeded sample of that many grid points). */
export const MAX_GRID_TRIALS = 500;
/** Grids are listed in memory; beyond this the space is refused outright. */
const MAX_GRID_POINTS = 100_000;

const RangeSchema = z
  .object({
    min: z.number(),
    max: z.number(),
    /** Draw uniformly in log space (min must be > 0). */
    log: z.boolean().default(false),
    /** Round to an integer. */
    int: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })
  .refine((r) => !r.log || r.min > 0, { message: 'a log range needs min > 0' });
export type Range = z.infer<typeof RangeSchema>;

export type Dimension = { key: string; choices: unknown[] } | { key: string; range: Range };

export interface Space {
  domain: 'deep' | 'classical';
  /** In the file's key order. */
  dimensions: Dimension[];
}

/** A trial's setting: dotted key -> value, for every key of the space. */
export type Params = Record<string, unknown>;

/** Classical options, named like `emovox evaluate`'s flags (so the best trial maps back onto them). */
const ClassicalParamsSchema = z
  .object({
    c: z.number().positive(),
    gamma: z.union([z.number().positive(), z.literal('scale')]),
    pca: z.number().positive().nullable(),
    trees: z.number().int().min(1).max(5000),
    weightDecay: z.number().min(0),
    speakerNorm: z.boolean(),
    descriptors: z.boolean(),
  })
  .partial()
  .strict();
const CLASSICAL_KEYS = Object.keys(ClassicalParamsSchema.shape);
const CLASSICAL_WHAT: Record<string, string> = {
  c: 'SVM penalty C, a positive number',
  gamma: "RBF gamma, a positive number or 'scale'",
  pca: 'PCA components (integer >= 1), a variance fraction in (0, 1), or null for none',
  trees: 'random forest trees, an integer 1..5000',
  weightDecay: "the mlp model's weight decay, a number >= 0",
  speakerNorm: 'per-speaker normalisation, true or false',
  descriptors: 'pitch/voicing/loudness/spectral descriptors as well as MFCC statistics, true or false',
};

/**
 * Deep models: per-speaker normalisation of the feature frames is not a trainer option but
 * `emovox evaluate --speaker-norm`; a space may vary it, and it stays out of best.json.
 */
export const DEEP_SPEAKER_NORM = 'speakerNorm';

/** Set by tune itself (the same for every trial, so that trials are comparable). */
const FIXED_BY_TUNE = ['modelName', 'corpus', 'seed', 'valSpeakers'];
const NESTED = ['modelConfig', 'featureConfig', 'augment'] as const;

/** Every key a space may use for this model. */
export function spaceKeys(model: string): string[] {
  if (isClassicalModel(model)) {
    // The mlp model's penalty is its weight decay; the other models have no weight decay.
    const notFor = model === 'mlp' ? ['c', 'gamma', 'trees'] : ['weightDecay'];
    return CLASSICAL_KEYS.filter((k) => !notFor.includes(k));
  }
  const top = Object.keys(TrainOptionsSchema.shape).filter(
    (k) => !FIXED_BY_TUNE.includes(k) && !(NESTED as readonly string[]).includes(k),
  );
  return [
    ...top,
    DEEP_SPEAKER_NORM,
    ...Object.keys(ModelConfigSchema.shape).map((k) => `modelConfig.${k}`),
    ...Object.keys(DEFAULT_FEATURE_CONFIG).map((k) => `featureConfig.${k}`),
    ...Object.keys(AugmentOptionsSchema.shape).map((k) => `augment.${k}`),
  ];
}

/** JSON with object keys sorted at every level: equal settings give equal strings. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The trial's identity in trials.jsonl: its parameters, keys sorted. */
export function canonicalKey(params: Params): string {
  return stableStringify(params);
}

/** Deep models: the trainer options of a setting (its dotted keys nested over `base`, speakerNorm left out). */
export function trainerOptions(params: Params, base: Record<string, unknown> = {}): Record<string, unknown> {
  const { [DEEP_SPEAKER_NORM]: _speakerNorm, ...rest } = params;
  return nestParams(rest, base);
}

/** `{"a.b": 1, "c": 2}` -> `{a: {b: 1}, c: 2}` (merged over `base`, which is not modified). */
export function nestParams(params: Params, base: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof at[p] !== 'object' || at[p] === null) at[p] = {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = value;
  }
  return out;
}

/**
 * Checks one setting for the model: the trainer's, model's and feature schemas (deep) or the
 * classical option schema. Throws TuneError naming the problem.
 */
export function validateParams(model: string, params: Params, where = 'space'): void {
  if (isClassicalModel(model)) {
    const r = ClassicalParamsSchema.safeParse(params);
    if (!r.success) {
      const why = r.error.issues
        .map((i) => {
          const key = String(i.path[0] ?? '');
          return `${key}: ${i.message}${CLASSICAL_WHAT[key] ? ` (accepted: ${CLASSICAL_WHAT[key]})` : ''}`;
        })
        .join('; ');
      throw new TuneError(`${where}: ${why}`);
    }
    return;
  }
  const o = trainerOptions(params);
  try {
    const parsed = parseTrainOptions({ ...o, modelName: model } as Parameters<typeof parseTrainOptions>[0]);
    parseFeatureConfig(parsed.featureConfig);
    defaultModelConfig(model, parsed.modelConfig);
  } catch (err) {
    throw new TuneError(`${where}: ${(err as Error).message}`);
  }
}

/** The schema of one key on its own (cross-field rules are checked per trial by validateParams). */
function fieldSchema(model: string, key: string): z.ZodType {
  if (isClassicalModel(model))
    return ClassicalParamsSchema.shape[key as keyof typeof ClassicalParamsSchema.shape];
  if (key === DEEP_SPEAKER_NORM) return z.boolean();
  const [head, field] = key.split('.');
  if (field === undefined) return TrainOptionsSchema.shape[head as keyof typeof TrainOptionsSchema.shape];
  if (head === 'modelConfig') return ModelConfigSchema.shape[field as keyof typeof ModelConfigSchema.shape];
  if (head === 'augment') return AugmentOptionsSchema.shape[field as keyof typeof AugmentOptionsSchema.shape];
  return FeatureConfigSchema.shape[field as keyof typeof FeatureConfigSchema.shape];
}

/** Checks one candidate value of a key; throws TuneError naming the key and what it accepts. */
function validateValue(model: string, key: string, value: unknown, where: string): void {
  const r = fieldSchema(model, key).safeParse(value);
  if (r.success) return;
  const what = CLASSICAL_WHAT[key] && isClassicalModel(model) ? ` (accepted: ${CLASSICAL_WHAT[key]})` : '';
  throw new TuneError(`${where}: ${r.error.issues.map((i) => i.message).join('; ')}${what}`);
}

function describeSetting(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
}

/** Parses and validates a space (the parsed JSON of the space file) for a model. */
export function parseSpace(json: unknown, model: string, file = 'space file'): Space {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TuneError(
      `${file} must be a JSON object of parameter -> candidates, e.g. {"lr": [0.001, 0.003], "modelConfig.dropout": {"min": 0, "max": 0.5}}`,
    );
  }
  const accepted = spaceKeys(model);
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0)
    throw new TuneError(`${file} has no parameters (accepted keys: ${accepted.join(', ')})`);
  const dimensions: Dimension[] = [];
  for (const [key, value] of entries) {
    if (!accepted.includes(key)) {
      const why = FIXED_BY_TUNE.includes(key)
        ? `'${key}' is fixed by tune for every trial (use --seed / --val-speakers)`
        : `unknown key '${key}' for model ${model}`;
      throw new TuneError(`${file}: ${why} (accepted keys: ${accepted.join(', ')})`);
    }
    if (Array.isArray(value)) {
      if (value.length === 0) throw new TuneError(`${file}: '${key}' has an empty list of candidates`);
      value.forEach((v) => validateValue(model, key, v, `${file}: '${key}' candidate ${JSON.stringify(v)}`));
      dimensions.push({ key, choices: value });
      continue;
    }
    const r = RangeSchema.safeParse(value);
    if (!r.success) {
      const why = r.error.issues.map((i) => `${i.path.join('.') || 'range'}: ${i.message}`).join('; ');
      throw new TuneError(
        `${file}: '${key}' must be a list of candidates or a range {"min": .., "max": .., "log": true|false, "int": true|false} (${why})`,
      );
    }
    for (const end of [r.data.min, r.data.max]) {
      validateValue(model, key, end, `${file}: '${key}' range end ${end}`);
    }
    dimensions.push({ key, range: r.data });
  }
  return { domain: isClassicalModel(model) ? 'classical' : 'deep', dimensions };
}

/** Number of grid points (Infinity when a dimension is a range). */
export function gridSize(space: Space): number {
  return space.dimensions.reduce((n, d) => n * ('choices' in d ? d.choices.length : Infinity), 1);
}

/** Every grid point in order (the last key varies fastest). */
export function gridPoints(space: Space): Params[] {
  const ranged = space.dimensions.find((d) => 'range' in d);
  if (ranged) {
    throw new TuneError(`'${ranged.key}' is a range; ranges need --search random (grid search takes lists)`);
  }
  const size = gridSize(space);
  if (size > MAX_GRID_POINTS) {
    throw new TuneError(
      `the grid has ${size} points (more than ${MAX_GRID_POINTS}); shrink the space or use --search random`,
    );
  }
  let points: Params[] = [{}];
  for (const d of space.dimensions as { key: string; choices: unknown[] }[]) {
    points = points.flatMap((p) => d.choices.map((v) => ({ ...p, [d.key]: v })));
  }
  return points;
}

/** A value drawn from a range: uniform or log-uniform, rounded to an integer or 4 significant digits. */
export function drawFromRange(r: Range, u: number): number {
  const v = r.log
    ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min)))
    : r.min + u * (r.max - r.min);
  if (r.int) return Math.min(Math.floor(r.max), Math.max(Math.ceil(r.min), Math.round(v)));
  return Math.min(r.max, Math.max(r.min, Number(v.toPrecision(4))));
}

/**
 * N distinct seeded draws (fewer only when the space has fewer distinct points). Draws are
 * sequential, so the first N of a larger N are the same trials.
 */
export function randomPoints(space: Space, trials: number, seed = 1): Params[] {
  const rng = seededRng(seed);
  const seen = new Set<string>();
  const out: Params[] = [];
  const cap = Math.min(trials, gridSize(space));
  for (let attempt = 0; out.length < cap && attempt < trials * 50; attempt++) {
    const p: Params = {};
    for (const d of space.dimensions) {
      const u = rng();
      p[d.key] = 'choices' in d ? d.choices[Math.floor(u * d.choices.length)] : drawFromRange(d.range, u);
    }
    const key = canonicalKey(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/**
 * The trials of a search: the full grid (or, with `trials`, a seeded sample of that many grid
 * points), or `trials` random draws. Each setting is validated as a whole before anything runs.
 */
export function planTrials(
  space: Space,
  model: string,
  search: Search,
  { trials, seed = 1 }: { trials?: number; seed?: number } = {},
): Params[] {
  let points: Params[];
  if (search === 'grid') {
    points = gridPoints(space);
    if (trials === undefined && points.length > MAX_GRID_TRIALS) {
      throw new TuneError(
        `the grid has ${points.length} trials (more than ${MAX_GRID_TRIALS}); pass --trials N to run a seeded sample of N of them, or shrink the space`,
      );
    }
    if (trials !== undefined && trials < points.length) {
      points = (shuffleInPlace(points, seededRng(seed)) as Params[]).slice(0, trials);
    }
  } else if (search === 'random') {
    if (trials === undefined) throw new TuneError('--search random needs --trials N (the number of draws)');
    points = randomPoints(space, trials, seed);
  } else {
    throw new TuneError(`unknown search '${String(search)}' (accepted: ${SEARCHES.join(', ')})`);
  }
  points.forEach((p) => validateParams(model, p, `trial ${describeSetting(p)}`));
  return points;
}
