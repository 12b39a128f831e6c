/**
 * The `emovox train --config FILE.json` document: which corpora, which label set, which members
 * (deep and/or classical) with what settings, their ensemble weights, and where the evaluation
 * figures for the model card are. Validated by zod; every default is written here. Paths
 * (corpus data, evaluation files, card template) are relative to the working directory, as on
 * the command line.
 */
import { readJsonInput } from '../../input-file.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_MIN_SPEAKER_UTTERANCES } from '../../../core/bundle.js';
import {
  CLASSICAL_MODELS,
  SAMPLE_WEIGHT_MODELS,
  acceptsSampleWeights,
} from '../../../core/classical/pipeline.js';
import { EMOTIONS, canonicalEmotion } from '../../../core/labels.js';
import { describeIssues } from '../../../core/errors.js';
import { CORPUS_KINDS } from '../../datasets/index.js';
import { MODEL_NAMES, isModelName } from '../../../core/models/registry.js';
import { TrainError, parseTrainOptions, type TrainOptionsInput } from '../options.js';
import { sharedCorpus } from '../pretrain.js';

/** MLP options a bundle config or `evaluate --mlp-options` may set (MlpOptions in src/core/classical/mlp.ts). */
export const MlpOptionsSchema = z
  .object({
    hidden: z.number().int().positive(),
    weightDecay: z.number().min(0),
    dropout: z.number().min(0).lt(1),
    inputNoise: z.number().min(0),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    members: z.number().int().positive(),
    mixup: z.number().min(0),
    adversary: z.number().min(0),
    adversaryOf: z.enum(['speaker', 'corpus']),
    baselineSwap: z.number().min(0).max(1),
  })
  .partial()
  .strict();

export const CorpusRefSchema = z.object({
  kind: z.enum(CORPUS_KINDS),
  /** Corpus folder (or manifest file for kind manifest). */
  data: z.string().min(1),
  /** Full name for the model card, e.g. "EMO-DB (Berlin Database of Emotional Speech)". */
  name: z.string().optional(),
  /** Licence and citation of the recordings, for the model card. */
  licence: z.string().optional(),
  language: z.string().optional(),
});
export type CorpusRef = z.infer<typeof CorpusRefSchema>;

const memberName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'a member name is lower-case letters, digits, - and _ (it names a folder)');

export const DeepMemberSchema = z.object({
  kind: z.literal('deep'),
  name: memberName.default('deep'),
  weight: z.number().positive().default(1),
  /** Trainer options (src/node/train/options.ts): modelName, modelConfig, featureConfig, epochs, lr... */
  train: z.record(z.string(), z.unknown()).refine((t) => typeof t.modelName === 'string', {
    message: 'train.modelName is required (e.g. "cnn2d-lstm")',
  }),
  /**
   * Other corpora to pretrain on first (src/node/train/pretrain.ts): the network trains on their
   * clips of the bundle's labels with the same options, and its weights start the training on
   * `corpora`. None of them may be one of `corpora`.
   */
  pretrain: z.array(CorpusRefSchema).min(1).optional(),
});

export const ClassicalMemberSchema = z.object({
  kind: z.literal('classical'),
  name: memberName.default('classical'),
  weight: z.number().positive().default(1),
  model: z.enum(CLASSICAL_MODELS),
  /** SVM penalty (default: defaultPipelineConfig in src/core/classical/pipeline.ts). */
  c: z.number().positive().optional(),
  /** RBF width (default 'scale'). */
  gamma: z.number().positive().optional(),
  /** Random Forest trees (default: defaultPipelineConfig). */
  trees: z.number().int().positive().optional(),
  /** PCA: an integer keeps that many components, a fraction that share of variance; null = none. */
  pca: z.number().positive().nullable().default(null),
  /** Also fit a pipeline on per-speaker-normalised descriptors, used with a speaker profile. */
  speakerAdaptive: z.boolean().default(false),
  minSpeakerUtterances: z.number().int().min(2).default(DEFAULT_MIN_SPEAKER_UTTERANCES),
  /**
   * Overrides of the descriptor spec (DEFAULT_CLASSICAL_FEATURES in src/core/classical/featurize.ts;
   * `{"family": "robust"}` or `{"family": "robust2"}` starts from that family's spec instead).
   */
  descriptors: z.record(z.string(), z.unknown()).default({}),
  /**
   * Candidate penalties: C is chosen among them by leave-one-corpus-out over the training
   * corpora (at least 3: each is predicted by a model trained on the others; mean UAR). Overrides c.
   */
  cGrid: z.array(z.number().positive()).min(1).optional(),
  /**
   * Model mlp: options of the descriptor network (MlpOptions in src/core/classical/mlp.ts:
   * hidden, weightDecay, dropout, inputNoise, epochs, batchSize, learningRate, members, mixup,
   * adversary, adversaryOf, baselineSwap).
   */
  mlp: MlpOptionsSchema.optional(),
  /** Model mlp: candidate weight decays, chosen like cGrid (by leave-one-corpus-out). Overrides mlp.weightDecay. */
  weightDecayGrid: z.array(z.number().min(0)).min(1).optional(),
  /**
   * With cGrid or weightDecayGrid: the scalings chosen among together with it ('standard': the standard scaler alone;
   * 'quantile': a quantile transform to a normal before it, src/core/classical/quantile.ts).
   */
  scalingGrid: z
    .array(z.enum(['standard', 'quantile']))
    .min(1)
    .optional(),
  /** Randomly augmented copies of every training clip (reverb, noise, gain, telephone, codec; seeded). */
  augment: z.number().int().min(0).max(20).default(0),
  /** Noise-heavy augmented copies (background noise at 0-20 dB SNR in 4 of 5 clips; seeded), after those of augment. */
  augmentNoise: z.number().int().min(0).max(20).default(0),
  /** Speed-perturbed augmented copies (0.9-1.1 times as fast, then the channel as augment; seeded), after those of augmentNoise. */
  augmentSpeed: z.number().int().min(0).max(20).default(0),
  /** Pitch-perturbed augmented copies (-2..+2 semitones at the same tempo, then the channel as augment; seeded), after those of augmentSpeed. */
  augmentPitch: z.number().int().min(0).max(20).default(0),
  /** Each corpus weighs the same in training, whatever its size (models logistic and mlp). */
  corpusWeight: z.boolean().default(false),
  /**
   * Fit a temperature and the "not sure" threshold by leave-one-corpus-out over the training
   * corpora (at least 2) and store them in the bundle (manifest `calibration`).
   */
  calibrate: z.boolean().default(false),
});

export const MemberSchema = z.discriminatedUnion('kind', [DeepMemberSchema, ClassicalMemberSchema]);
export type DeepMemberConfig = z.infer<typeof DeepMemberSchema>;
export type ClassicalMemberConfig = z.infer<typeof ClassicalMemberSchema>;
export type MemberConfig = z.infer<typeof MemberSchema>;

/** The card template shipped with the package (used when the config names none). */
export const DEFAULT_CARD_TEMPLATE = fileURLToPath(
  new URL('../../../../configs/model-card.template.md', import.meta.url),
);

/** The config's card template if it exists as given (relative to the working directory), else the package's. */
export function cardTemplatePath(template: string | undefined): string {
  if (template === undefined) return DEFAULT_CARD_TEMPLATE;
  return existsSync(resolve(template)) ? resolve(template) : template;
}

export const TrainConfigSchema = z
  .object({
    /** Title of the model card. */
    title: z.string().default('Emovox model'),
    /** Markdown for the card's "what it is" paragraph. */
    description: z.string().default(''),
    corpora: z.array(CorpusRefSchema).min(1),
    /** Output labels (canonical emotion names); utterances with other labels are left out. Default: all present. */
    labels: z.array(z.string()).min(2).optional(),
    members: z.array(MemberSchema).min(1),
    /** `emovox evaluate --json` files whose figures the model card reports. */
    evaluation: z.union([z.string(), z.array(z.string())]).optional(),
    card: z
      .object({
        /** Markdown template with {{placeholders}} (see src/node/train/bundle/card.ts). */
        template: z.string().optional(),
        /** Markdown for the card's limits paragraph. */
        limits: z.string().default(''),
      })
      .default({ limits: '' }),
    seed: z.number().int().min(0).default(1),
  })
  .refine((c) => new Set(c.members.map((m) => m.name)).size === c.members.length, {
    message: 'every member needs its own name',
    path: ['members'],
  })
  .refine((c) => c.members.filter((m) => m.kind === 'classical').length <= 1, {
    message: 'at most one classical member',
    path: ['members'],
  })
  .refine(
    (c) => c.members.every((m) => m.kind !== 'classical' || !m.corpusWeight || acceptsSampleWeights(m.model)),
    {
      message: `corpusWeight needs model ${SAMPLE_WEIGHT_MODELS.join(' or ')} (the classical models with sample weights)`,
      path: ['members'],
    },
  )
  .refine(
    (c) =>
      c.members.every(
        (m) =>
          m.kind !== 'classical' ||
          m.model === 'mlp' ||
          (m.mlp === undefined && m.weightDecayGrid === undefined),
      ),
    { message: 'mlp and weightDecayGrid need model mlp', path: ['members'] },
  )
  .refine(
    (c) =>
      c.members.every(
        (m) =>
          m.kind !== 'classical' ||
          m.model !== 'mlp' ||
          (m.c === undefined && m.gamma === undefined && m.trees === undefined),
      ),
    {
      message:
        'model mlp has no C, gamma or trees: its penalty is the weight decay (mlp.weightDecay or weightDecayGrid)',
      path: ['members'],
    },
  )
  .refine(
    (c) => c.members.every((m) => m.kind !== 'classical' || m.model !== 'mlp' || m.cGrid === undefined),
    {
      message: 'model mlp has no C: give weightDecayGrid instead of cGrid',
      path: ['members'],
    },
  )
  .refine(
    (c) => c.members.every((m) => m.kind !== 'classical' || !m.scalingGrid || m.cGrid || m.weightDecayGrid),
    {
      message:
        'scalingGrid needs cGrid or weightDecayGrid (the scaling is chosen with C or the weight decay by leave-one-corpus-out)',
      path: ['members'],
    },
  )
  .refine(
    (c) =>
      c.members.every(
        (m) => m.kind !== 'classical' || (!m.cGrid && !m.weightDecayGrid) || c.corpora.length >= 3,
      ),
    {
      message:
        'cGrid and weightDecayGrid need at least 3 corpora (C or the weight decay is chosen by leave-one-corpus-out)',
      path: ['members'],
    },
  )
  .refine((c) => c.members.every((m) => m.kind !== 'classical' || !m.calibrate || c.corpora.length >= 2), {
    message: 'calibrate needs at least 2 corpora (the temperature is fitted by leave-one-corpus-out)',
    path: ['members'],
  });
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Validates a config object; the error names every wrong field and the accepted label names. */
export function parseTrainConfig(json: unknown, where = 'the training config'): TrainConfig {
  const r = TrainConfigSchema.safeParse(json);
  if (!r.success) {
    const problems = describeIssues(r.error.issues);
    throw new TrainError(`${where} is invalid: ${problems}`);
  }
  const c = r.data;
  if (c.labels) {
    const bad = c.labels.filter((l) => canonicalEmotion(l) !== l);
    if (bad.length > 0) {
      throw new TrainError(`${where}: unknown label(s) ${bad.join(', ')} (accepted: ${EMOTIONS.join(', ')})`);
    }
    if (new Set(c.labels).size !== c.labels.length) throw new TrainError(`${where}: a label is listed twice`);
  }
  for (const m of c.members) {
    if (m.kind !== 'deep') continue;
    const both = m.pretrain && sharedCorpus(m.pretrain, c.corpora);
    if (both) {
      throw new TrainError(
        `${where}: member ${m.name}: pretrain corpus ${both.kind} is also a training corpus; pretrain on other corpora`,
      );
    }
    const name = String(m.train.modelName);
    if (!isModelName(name)) {
      throw new TrainError(
        `${where}: member ${m.name}: unknown network '${name}' (accepted: ${MODEL_NAMES.join(', ')})`,
      );
    }
    try {
      parseTrainOptions(m.train as TrainOptionsInput);
    } catch (err) {
      throw new TrainError(`${where}: member ${m.name}: ${(err as Error).message}`);
    }
  }
  return c;
}

/** Reads and validates a config file. */
export function readTrainConfig(path: string): TrainConfig {
  return parseTrainConfig(readJsonInput(resolve(path), 'the training config'), path);
}

/** Evaluation file paths of a config (possibly none). */
export function evaluationFiles(c: TrainConfig): string[] {
  if (c.evaluation === undefined) return [];
  return Array.isArray(c.evaluation) ? c.evaluation : [c.evaluation];
}
