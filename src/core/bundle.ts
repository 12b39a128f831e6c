/**
 * The model bundle: a folder with `emovox.json`, the manifest that says what kind of model the
 * folder holds, how to turn a signal into its input and what its outputs mean (labels).
 * Three kinds:
 *   deep      - a tfjs Layers model (`model.json` + `weights.bin`) with its feature
 *               configuration, window policy and normalisation statistics. Manifests without
 *               `kind` (every bundle before classical ones existed) are deep; deep bundles keep
 *               format version 1.
 *   classical - `classical.json`: utterance descriptors -> fitted pipelines (global and, when
 *               speaker-adaptive, speakerNorm); the descriptor spec is in the manifest.
 *   ensemble  - member bundles (deep or classical) in subfolders, whose probabilities are
 *               averaged with the manifest's fixed weights after mapping their labels by name.
 * Classical and ensemble manifests have format version 2, so an older Emovox refuses them with
 * a version message instead of misreading them.
 * Platform-neutral: loading by URL works in the browser; Node loads from disk in
 * src/node/bundle-io.ts.
 */
import { CalibrationSchema } from './calibration.js';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  ClassicalFeatureSpecSchema,
  ClassicalModel,
  CLASSICAL_MODEL_FILE,
} from './classical/serialize-model.js';
import { descriptorSpecMismatch } from './classical/descriptor-spec.js';
import { FeatureConfigSchema } from './features/config.js';
import { describeIssues, EmovoxError } from './errors.js';

/** Format version of deep bundles (unchanged since the first bundles). */
export const BUNDLE_FORMAT_VERSION = 1;
/** Format version of classical and ensemble bundles. */
export const MULTI_KIND_FORMAT_VERSION = 2;
export const BUNDLE_KINDS = ['deep', 'classical', 'ensemble'] as const;
export type BundleKind = (typeof BUNDLE_KINDS)[number];
/** Clips of one speaker a speaker-adaptive bundle needs before it normalises per speaker. */
export const DEFAULT_MIN_SPEAKER_UTTERANCES = 10;
export const MANIFEST_FILE = 'emovox.json';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const HISTORY_FILE = 'history.json';

/** One training epoch as recorded in the history (validation figures are null without a validation split). */
export const HistoryEntrySchema = z.object({
  epoch: z.number().int().positive(),
  loss: z.number(),
  acc: z.number(),
  valLoss: z.number().nullable(),
  valAcc: z.number().nullable(),
  valUar: z.number().nullable(),
  lr: z.number(),
  seconds: z.number().nonnegative().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/**
 * How a whole utterance becomes model inputs: fixed-length windows of `windowSec`, taken every
 * `hopSec`; clips shorter than one window are padded (with the normalised mean, i.e. zeros);
 * the windows' probabilities are averaged.
 */
export const InputPolicySchema = z.object({
  kind: z.enum(['features', 'waveform']),
  windowSec: z.number().positive(),
  hopSec: z.number().positive(),
});
export type InputPolicy = z.infer<typeof InputPolicySchema>;

/** Per-utterance normalisation modes (src/core/predict.ts utteranceNormaliseInPlace). */
export const UTTERANCE_NORMS = ['mean', 'meanStd'] as const;
export type UtteranceNorm = (typeof UTTERANCE_NORMS)[number];

/**
 * Per-coefficient standardisation applied to features before the model: (x - mean) / std.
 * Empty arrays mean no normalisation (for example waveform models). With `utterance`, each
 * clip's frames are first normalised per coefficient by that clip's own statistics ('mean':
 * minus its mean; 'meanStd': also divided by its standard deviation), which takes out a
 * recording's level and fixed channel colour; feature models only.
 */
export const NormalisationSchema = z
  .object({
    mean: z.array(z.number()),
    std: z.array(z.number().positive()),
    utterance: z.enum(UTTERANCE_NORMS).optional(),
  })
  .refine((n) => n.mean.length === n.std.length, {
    message: 'normalisation mean and std must have the same length',
  });
export type Normalisation = z.infer<typeof NormalisationSchema>;

/** Fields every manifest kind has (what the server's /model route and the web page show). */
const commonManifestFields = {
  labels: z.array(z.string().min(1)).min(2),
  /** The input signal's sample rate is featureConfig.sampleRate for every kind. */
  featureConfig: FeatureConfigSchema,
  modelName: z.string().min(1),
  modelConfig: z.record(z.string(), z.unknown()).default({}),
  corpus: z.string().default(''),
  protocol: z.string().default(''),
  metrics: z.record(z.string(), z.unknown()).default({}),
  history: z.array(HistoryEntrySchema).default([]),
  /** Free text / markdown: what the model is, how it was trained, its limits. */
  card: z.string().default(''),
  /** Temperature scaling and the "not sure" threshold (src/core/calibration.ts); absent = raw probabilities, never uncertain. */
  calibration: CalibrationSchema.optional(),
  createdAt: z.string(),
};

/** A deep bundle's manifest (the original format; `kind` absent means deep). */
export const BundleManifestSchema = z.object({
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  kind: z.literal('deep').optional(),
  ...commonManifestFields,
  input: InputPolicySchema,
  normalisation: NormalisationSchema,
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;
export type BundleManifestInput = z.input<typeof BundleManifestSchema>;
export type DeepManifest = BundleManifest;

export const ClassicalManifestSchema = z.object({
  formatVersion: z.literal(MULTI_KIND_FORMAT_VERSION),
  kind: z.literal('classical'),
  ...commonManifestFields,
  /** Absent for classical bundles (kept optional so every manifest kind has the field). */
  input: InputPolicySchema.optional(),
  classical: z.object({
    file: z.literal(CLASSICAL_MODEL_FILE).default(CLASSICAL_MODEL_FILE),
    /** Classifier name, e.g. svm-linear. */
    model: z.string().min(1),
    descriptors: ClassicalFeatureSpecSchema,
    /**
     * Every constant the descriptors were computed with (descriptor-spec.ts), recorded at
     * training; loading refuses a bundle whose record differs from what the code computes.
     */
    descriptorSpec: z.looseObject({ version: z.string(), hash: z.string() }).optional(),
    featureCount: z.number().int().positive(),
    /** Has a speakerNorm pipeline used with a speaker profile of enough clips. */
    speakerAdaptive: z.boolean(),
    minSpeakerUtterances: z.number().int().min(2).default(DEFAULT_MIN_SPEAKER_UTTERANCES),
  }),
});
export type ClassicalManifest = z.infer<typeof ClassicalManifestSchema>;

/** Member folder names: one plain path segment inside the bundle. */
const memberDir = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a member folder is one plain name inside the bundle (no / or ..)');

export const EnsembleManifestSchema = z.object({
  formatVersion: z.literal(MULTI_KIND_FORMAT_VERSION),
  kind: z.literal('ensemble'),
  ...commonManifestFields,
  /** The deep member's input policy (the timeline's default window), when there is one. */
  input: InputPolicySchema.optional(),
  members: z
    .array(z.object({ name: z.string().min(1), dir: memberDir, weight: z.number().positive() }))
    .min(1)
    .refine((m) => new Set(m.map((x) => x.dir)).size === m.length, {
      message: 'every member needs its own folder',
    }),
});
export type EnsembleManifest = z.infer<typeof EnsembleManifestSchema>;

/** Any emovox.json: deep, classical or ensemble. */
export type AnyManifest = BundleManifest | ClassicalManifest | EnsembleManifest;

/** The kind of a parsed manifest (absent = deep). */
export function manifestKind(m: AnyManifest): BundleKind {
  return m.kind ?? 'deep';
}

export interface LoadedDeepBundle {
  kind?: 'deep';
  model: tf.LayersModel;
  manifest: BundleManifest;
}

export interface LoadedClassicalBundle {
  kind: 'classical';
  manifest: ClassicalManifest;
  classical: ClassicalModel;
}

export interface LoadedEnsembleMember {
  name: string;
  weight: number;
  bundle: LoadedDeepBundle | LoadedClassicalBundle;
}

export interface LoadedEnsembleBundle {
  kind: 'ensemble';
  manifest: EnsembleManifest;
  members: LoadedEnsembleMember[];
}

export type LoadedBundle = LoadedDeepBundle | LoadedClassicalBundle | LoadedEnsembleBundle;

/** A bundle that cannot be read or does not describe a usable model (user-facing). */
export class BundleError extends EmovoxError {
  constructor(message: string) {
    super('BAD_BUNDLE', message);
  }
}

function parseWith<T>(schema: z.ZodType<T>, json: unknown, where: string): T {
  const r = schema.safeParse(json);
  if (!r.success) {
    const problems = describeIssues(r.error.issues);
    throw new BundleError(`${where} is not a valid Emovox bundle manifest (${problems})`);
  }
  return r.data;
}

/** Validates a deep bundle's emovox.json contents, with an error naming every field that is wrong. */
export function parseManifest(json: unknown, where = MANIFEST_FILE): BundleManifest {
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind !== undefined && kind !== 'deep') {
    throw new BundleError(`${where} describes a ${String(kind)} bundle, not a deep model`);
  }
  return parseWith(BundleManifestSchema, json, where);
}

/** Validates emovox.json of any kind (deep when `kind` is absent). */
export function parseAnyManifest(json: unknown, where = MANIFEST_FILE): AnyManifest {
  const o = json as { kind?: unknown; formatVersion?: unknown } | null;
  const kind = o && typeof o === 'object' ? (o.kind ?? 'deep') : 'deep';
  if (typeof o?.formatVersion === 'number' && o.formatVersion > MULTI_KIND_FORMAT_VERSION) {
    throw new BundleError(
      `${where} has format version ${o.formatVersion}; this Emovox reads versions 1 and 2 (update Emovox)`,
    );
  }
  if (kind === 'deep') return parseWith(BundleManifestSchema, json, where);
  if (kind === 'classical') return parseWith(ClassicalManifestSchema, json, where);
  if (kind === 'ensemble') return parseWith(EnsembleManifestSchema, json, where);
  throw new BundleError(
    `${where}: unknown bundle kind '${String(kind)}' (accepted: ${BUNDLE_KINDS.join(', ')})`,
  );
}

/** Checks that the model's output width matches the manifest's labels. */
export function checkModelMatchesManifest(model: tf.LayersModel, manifest: BundleManifest): void {
  const out = model.outputs[0].shape;
  const classes = out[out.length - 1];
  if (classes !== manifest.labels.length) {
    throw new BundleError(
      `model has ${classes} outputs but the manifest lists ${manifest.labels.length} labels (${manifest.labels.join(', ')})`,
    );
  }
}

/** Builds the classical model of a classical manifest from classical.json contents. */
export function classicalFromJson(manifest: ClassicalManifest, json: unknown, where: string): ClassicalModel {
  const mismatch = descriptorSpecMismatch(manifest.classical.descriptorSpec, manifest.classical.descriptors);
  if (mismatch) throw new BundleError(`cannot use the bundle of ${where}: ${mismatch}`);
  const model = ClassicalModel.fromJSON(json, manifest.classical.descriptors, where);
  if (model.dim !== manifest.classical.featureCount) {
    throw new BundleError(
      `${where} has ${model.dim} descriptors but the manifest says ${manifest.classical.featureCount}`,
    );
  }
  if (model.labels.join('\n') !== manifest.labels.join('\n')) {
    throw new BundleError(
      `${where} labels (${model.labels.join(', ')}) differ from the manifest's (${manifest.labels.join(', ')})`,
    );
  }
  if (manifest.classical.speakerAdaptive && !model.speakerNorm) {
    throw new BundleError(`the manifest says speaker-adaptive but ${where} has no speakerNorm pipeline`);
  }
  return model;
}

/** Checks an ensemble's members against its manifest (sample rates agree, labels overlap, no nesting). */
export function checkEnsembleMembers(manifest: EnsembleManifest, members: LoadedEnsembleMember[]): void {
  const rate = manifest.featureConfig.sampleRate;
  for (const m of members) {
    const mm = m.bundle.manifest;
    if (mm.featureConfig.sampleRate !== rate) {
      throw new BundleError(
        `ensemble member ${m.name} needs ${mm.featureConfig.sampleRate} Hz but the ensemble says ${rate} Hz`,
      );
    }
    const shared = mm.labels.filter((l) => manifest.labels.includes(l));
    if (shared.length < 2) {
      throw new BundleError(
        `ensemble member ${m.name} shares fewer than two labels with the ensemble (${mm.labels.join(', ')} vs ${manifest.labels.join(', ')})`,
      );
    }
  }
}

export function joinUrl(base: string, file: string): string {
  return base.endsWith('/') ? base + file : `${base}/${file}`;
}

async function fetchJson(url: string, fetchFn: typeof fetch): Promise<unknown> {
  const res = await fetchFn(url);
  if (!res.ok) throw new BundleError(`cannot fetch ${url}: HTTP ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new BundleError(`${url} is not valid JSON`);
  }
}

async function loadMemberFromUrl(
  baseUrl: string,
  fetchFn: typeof fetch,
  nested: boolean,
): Promise<LoadedBundle> {
  const manifestUrl = joinUrl(baseUrl, MANIFEST_FILE);
  const manifest = parseAnyManifest(await fetchJson(manifestUrl, fetchFn), manifestUrl);
  if (manifest.kind === 'classical') {
    const url = joinUrl(baseUrl, manifest.classical.file);
    return {
      kind: 'classical',
      manifest,
      classical: classicalFromJson(manifest, await fetchJson(url, fetchFn), url),
    };
  }
  if (manifest.kind === 'ensemble') {
    if (nested) throw new BundleError(`${manifestUrl}: an ensemble member cannot itself be an ensemble`);
    const members: LoadedEnsembleMember[] = [];
    for (const m of manifest.members) {
      const b = await loadMemberFromUrl(joinUrl(baseUrl, m.dir), fetchFn, true);
      members.push({ name: m.name, weight: m.weight, bundle: b as LoadedDeepBundle | LoadedClassicalBundle });
    }
    checkEnsembleMembers(manifest, members);
    return { kind: 'ensemble', manifest, members };
  }
  const model = await tf.loadLayersModel(joinUrl(baseUrl, MODEL_FILE), { fetchFunc: fetchFn });
  checkModelMatchesManifest(model, manifest);
  return { model, manifest };
}

/**
 * Loads a bundle of any kind served over HTTP(S) (browser or Node with fetch):
 * `${baseUrl}/emovox.json`, then model.json, classical.json or the members' subfolders.
 */
export async function loadBundleFromUrl(
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<LoadedBundle> {
  return loadMemberFromUrl(baseUrl, fetchFn, false);
}
