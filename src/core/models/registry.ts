import type * as tf from '@tensorflow/tfjs';
import type { FeatureConfig } from '../features/config.js';
import { ModelConfigError, parseModelConfig, type ModelConfig } from './config.js';
import { buildCnn2dLstm, CNN2D_LSTM_DEFAULTS } from './cnn2d-lstm.js';
import { buildCnn1dLstm, CNN1D_LSTM_DEFAULTS } from './cnn1d-lstm.js';
import { buildCnn, CNN_DEFAULTS } from './cnn.js';

export { describeModel, type ModelDescription } from './describe.js';

export type ModelInput = 'features' | 'waveform';

interface ModelEntry {
  input: ModelInput;
  description: string;
  defaults: ModelConfig;
  /**
   * The input features the model is trained on unless told otherwise (overrides of
   * DEFAULT_FEATURE_CONFIG); waveform models only use the sample rate.
   */
  features: Partial<FeatureConfig>;
  /** Training epochs unless told otherwise (the trainer's recipe; README "Features and models"). */
  epochs: number;
  build: (inputShape: readonly (number | null)[], numClasses: number, cfg: ModelConfig) => tf.LayersModel;
}

const MODELS = {
  'cnn2d-lstm': {
    input: 'features',
    description: '2D CNN-LSTM on log-mel: 4 conv blocks (64,64,128,128) -> LSTM 128 -> softmax',
    defaults: CNN2D_LSTM_DEFAULTS,
    // The anchor's input: 64-band log-mel, 25 ms window, 10 ms hop.
    features: { kind: 'logmel', nMels: 64 },
    // EMO-DB LOSO at 60 epochs (weights of 41-60 averaged): 76.6 / 74.7 % with seeds 1 / 2, mean
    // 75.7; at 30 epochs 73.9 / 71.5 (README "Features and models").
    epochs: 60,
    build: buildCnn2dLstm,
  },
  'cnn1d-lstm': {
    input: 'waveform',
    description: '1D CNN-LSTM on the 16 kHz waveform: 4 conv blocks, 25 steps/s -> LSTM 128 -> softmax',
    defaults: CNN1D_LSTM_DEFAULTS,
    features: {},
    // Still fitting at epoch 30 (training accuracy 0.79-0.85); EMO-DB LOSO 59.8 -> 64.2 % at 60.
    epochs: 60,
    build: buildCnn1dLstm,
  },
  cnn: {
    input: 'features',
    description: 'plain 2D CNN on MFCC: 4 conv blocks -> global average -> dense 64 -> softmax',
    defaults: CNN_DEFAULTS,
    features: { kind: 'mfcc', nMfcc: 40, nMels: 64 },
    epochs: 30,
    build: buildCnn,
  },
} satisfies Record<string, ModelEntry>;

export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

function entry(name: string): ModelEntry {
  if (!Object.hasOwn(MODELS, name)) {
    throw new ModelConfigError(`unknown model '${name}'; available: ${MODEL_NAMES.join(', ')}`);
  }
  return MODELS[name as ModelName];
}

export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(MODELS, name);
}

/** What the model eats: a feature image [frames, coeffs, 1] or the waveform [samples, 1]. */
export function modelInput(name: string): ModelInput {
  return entry(name).input;
}

export function modelDescription(name: string): string {
  return entry(name).description;
}

/** The feature settings a model trains on by default (partial; merged over DEFAULT_FEATURE_CONFIG). */
export function defaultModelFeatures(name: string): Partial<FeatureConfig> {
  return { ...entry(name).features };
}

/** The epochs the model trains for unless told otherwise. */
export function defaultModelEpochs(name: string): number {
  return entry(name).epochs;
}

/** The model's default sizes; `partial` overrides them, validated (throws ModelConfigError). */
export function defaultModelConfig(name: string, partial: Partial<ModelConfig> = {}): ModelConfig {
  return parseModelConfig(entry(name).defaults, partial);
}

export interface BuildModelOptions {
  /** Without the batch axis: [frames, coeffs, 1] for 'features' models, [samples, 1] for 'waveform'. */
  inputShape: readonly (number | null)[];
  numClasses: number;
  /** Overrides of the model's defaults. */
  config?: Partial<ModelConfig>;
}

/** Builds an untrained (uncompiled) tfjs model by name. */
export function buildModel(name: string, opts: BuildModelOptions): tf.LayersModel {
  const e = entry(name);
  return e.build(opts.inputShape, opts.numClasses, parseModelConfig(e.defaults, opts.config));
}
