/**
 * The model bundle: one folder holding a tfjs Layers model (`model.json` + `weights.bin`) and
 * `emovox.json`, the manifest that says how to turn a signal into that model's input (feature
 * configuration, window policy, normalisation statistics) and what its outputs mean (labels).
 * Platform-neutral: loading by URL works in the browser; Node loads from disk in
 * src/node/bundle-io.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { FeatureConfigSchema } from './features/config.js';

export const BUNDLE_FORMAT_VERSION = 1;
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

/**
 * Per-coefficient standardisation applied to features before the model: (x - mean) / std.
 * Empty arrays mean no normalisation (for example waveform models).
 */
export const NormalisationSchema = z
  .object({ mean: z.array(z.number()), std: z.array(z.number().positive()) })
  .refine((n) => n.mean.length === n.std.length, {
    message: 'normalisation mean and std must have the same length',
  });
export type Normalisation = z.infer<typeof NormalisationSchema>;

export const BundleManifestSchema = z.object({
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  labels: z.array(z.string().min(1)).min(2),
  featureConfig: FeatureConfigSchema,
  modelName: z.string().min(1),
  modelConfig: z.record(z.string(), z.unknown()).default({}),
  input: InputPolicySchema,
  normalisation: NormalisationSchema,
  corpus: z.string().default(''),
  protocol: z.string().default(''),
  metrics: z.record(z.string(), z.unknown()).default({}),
  history: z.array(HistoryEntrySchema).default([]),
  /** Free text / markdown: what the model is, how it was trained, its limits. */
  card: z.string().default(''),
  createdAt: z.string(),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;
export type BundleManifestInput = z.input<typeof BundleManifestSchema>;

export interface LoadedBundle {
  model: tf.LayersModel;
  manifest: BundleManifest;
}

/** A bundle that cannot be read or does not describe a usable model (user-facing). */
export class BundleError extends Error {
  readonly code = 'BAD_BUNDLE';
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** Validates emovox.json contents, with an error naming every field that is wrong. */
export function parseManifest(json: unknown, where = MANIFEST_FILE): BundleManifest {
  const r = BundleManifestSchema.safeParse(json);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BundleError(`${where} is not a valid Emovox bundle manifest (${problems})`);
  }
  return r.data;
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

function joinUrl(base: string, file: string): string {
  return base.endsWith('/') ? base + file : `${base}/${file}`;
}

/** Loads a bundle served over HTTP(S) (browser or Node with fetch): `${baseUrl}/emovox.json` + model.json. */
export async function loadBundleFromUrl(
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<LoadedBundle> {
  const manifestUrl = joinUrl(baseUrl, MANIFEST_FILE);
  const res = await fetchFn(manifestUrl);
  if (!res.ok) throw new BundleError(`cannot fetch ${manifestUrl}: HTTP ${res.status}`);
  const manifest = parseManifest(await res.json(), manifestUrl);
  const model = await tf.loadLayersModel(joinUrl(baseUrl, MODEL_FILE), { fetchFunc: fetchFn });
  checkModelMatchesManifest(model, manifest);
  return { model, manifest };
}
