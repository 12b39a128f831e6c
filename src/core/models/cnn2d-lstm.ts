import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { requireBlockArrays } from './config.js';
import { applyBlocks2d, blocks2dFromConfig, applyClassifier, checkBuildArgs, lstm } from './blocks.js';

/**
 * 2D CNN-LSTM over a log-mel (or MFCC) image (Zhao, Mao & Chen 2019).
 *
 * Layout (tfjs NHWC): input [batch, frames, coeffs, 1], i.e. time first, exactly the
 * frames-major order of a FeatureMatrix, so its data is the tensor's data without copying.
 * Four blocks conv 3x3 -> batch norm -> ELU -> max-pool; the pools are given as
 * [frequency, time] (4x4, 2x2, 2x2, 2x1 by default), so 300 frames x 64 mels leave
 * 18 time steps x 2 mel bands x 128 channels. The LSTM runs over those time steps with
 * (bands x channels) = 256 features per step, and its last state feeds the softmax.
 * With 7 classes this is 458 567 weights, of which 457 799 trainable (batch-norm running
 * statistics are the rest); PyTorch's copy has 458 311 trainable, its LSTM having two bias vectors.
 */
export const CNN2D_LSTM_DEFAULTS: ModelConfig = {
  filters: [64, 64, 128, 128],
  kernelSizes: [3, 3, 3, 3],
  convStrides: [1, 1, 1, 1],
  poolsFreqTime: [
    [4, 4],
    [2, 2],
    [2, 2],
    [2, 1],
  ],
  poolsTime: [4, 4, 4, 4],
  lstmUnits: 128,
  // No dropout, as the anchor (its 81.3 % recipe: SpecAugment and speaker normalisation only):
  // with dropout 0.3, two speed/gain/noise copies and SpecAugment together the network ended
  // its 30 epochs at 0.81-0.88 training accuracy (results/runs/*-old-recipe*.json), underfitting.
  dropout: 0,
  denseUnits: 0,
  inputSeconds: 3,
  l2: 0,
};

/** inputShape: [frames, coeffs, 1] (frames may be null for any length). */
export function buildCnn2dLstm(
  inputShape: readonly (number | null)[],
  numClasses: number,
  cfg: ModelConfig,
): tf.LayersModel {
  checkBuildArgs(inputShape, 3, numClasses, 'cnn2d-lstm');
  requireBlockArrays(cfg, ['kernelSizes', 'poolsFreqTime']);
  const input = tf.input({ name: 'features', shape: [...inputShape] });
  const maps = applyBlocks2d(input, blocks2dFromConfig(cfg), cfg.l2);
  const [, frames, bands, channels] = maps.shape;
  const steps = tf.layers
    .reshape({ name: 'to_sequence', targetShape: [frames ?? -1, (bands as number) * (channels as number)] })
    .apply(maps) as tf.SymbolicTensor;
  const state = lstm(steps, cfg.lstmUnits, cfg.l2);
  const output = applyClassifier(state, numClasses, cfg);
  return tf.model({ name: 'cnn2d-lstm', inputs: input, outputs: output });
}
