import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { requireBlockArrays } from './config.js';
import { applyBlocks2d, blocks2dFromConfig, applyClassifier, checkBuildArgs } from './blocks.js';

/**
 * Plain 2D CNN on MFCC (the CNN baseline of Zhao, Mao & Chen 2019: the same local feature
 * learning blocks without the LSTM). Input [batch, frames, coeffs, 1] (40 MFCC by default).
 * Four blocks conv 3x3 -> batch norm -> ELU -> 2x2 max-pool (64, 64, 128, 128 filters), then a
 * global average over time and frequency (so any input length works), dropout, a 64-unit
 * ReLU layer and the softmax.
 */
export const CNN_DEFAULTS: ModelConfig = {
  filters: [64, 64, 128, 128],
  kernelSizes: [3, 3, 3, 3],
  convStrides: [1, 1, 1, 1],
  poolsFreqTime: [
    [2, 2],
    [2, 2],
    [2, 2],
    [2, 2],
  ],
  poolsTime: [2, 2, 2, 2],
  lstmUnits: 128,
  dropout: 0.3,
  denseUnits: 64,
  inputSeconds: 3,
  l2: 0,
};

/** inputShape: [frames, coeffs, 1] (frames may be null for any length). */
export function buildCnn(
  inputShape: readonly (number | null)[],
  numClasses: number,
  cfg: ModelConfig,
): tf.LayersModel {
  checkBuildArgs(inputShape, 3, numClasses, 'cnn');
  requireBlockArrays(cfg, ['kernelSizes', 'poolsFreqTime']);
  const input = tf.input({ name: 'features', shape: [...inputShape] });
  const maps = applyBlocks2d(input, blocks2dFromConfig(cfg), cfg.l2);
  const pooled = tf.layers
    .globalAveragePooling2d({ name: 'global_average' })
    .apply(maps) as tf.SymbolicTensor;
  const output = applyClassifier(pooled, numClasses, cfg);
  return tf.model({ name: 'cnn', inputs: input, outputs: output });
}
