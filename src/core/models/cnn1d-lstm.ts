import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { requireBlockArrays } from './config.js';
import { applyBlocks1d, applyClassifier, checkBuildArgs, lstm } from './blocks.js';

/**
 * 1D CNN-LSTM on the raw waveform (the 1D network of Zhao, Mao & Chen 2019).
 *
 * Input [batch, samples, 1] at 16 kHz. Four blocks conv1d -> batch norm -> ELU -> max-pool:
 *   block 1: 64 filters, kernel 80 (5 ms), stride 4, pool 4   -> 1 step per 16 samples
 *   block 2: 64 filters, kernel 3, pool 4                     -> 1 step per 64 samples
 *   block 3: 128 filters, kernel 3, pool 5                    -> 1 step per 320 samples
 *   block 4: 128 filters, kernel 3, pool 2                    -> 1 step per 640 samples
 * so the LSTM (128 units) sees 25 steps per second (75 for a 3 s crop, one per 40 ms) with
 * 128 features each. Receptive field of one LSTM input step: 1516 samples = 95 ms
 * (`receptiveField1d` computes it for any config).
 */
export const CNN1D_LSTM_DEFAULTS: ModelConfig = {
  filters: [64, 64, 128, 128],
  kernelSizes: [80, 3, 3, 3],
  convStrides: [4, 1, 1, 1],
  poolsFreqTime: [
    [1, 4],
    [1, 4],
    [1, 5],
    [1, 2],
  ],
  poolsTime: [4, 4, 5, 2],
  lstmUnits: 128,
  // No dropout, as in cnn2d-lstm: with dropout 0.3 (and two augmented copies) this network
  // underfit its EMO-DB training speakers (0.55-0.69 training accuracy after 30 epochs).
  dropout: 0,
  denseUnits: 0,
  inputSeconds: 3,
  l2: 0,
};

/**
 * Receptive field and step of the sequence reaching the LSTM, in input samples: each layer
 * with kernel k and stride s grows the field by (k - 1) x the current step, then multiplies
 * the step by s.
 */
export function receptiveField1d(cfg: ModelConfig): { fieldSamples: number; stepSamples: number } {
  let field = 1;
  let step = 1;
  cfg.filters.forEach((_, i) => {
    field += (cfg.kernelSizes[i] - 1) * step;
    step *= cfg.convStrides[i];
    field += (cfg.poolsTime[i] - 1) * step;
    step *= cfg.poolsTime[i];
  });
  return { fieldSamples: field, stepSamples: step };
}

/** inputShape: [samples, 1] (samples may be null for any length). */
export function buildCnn1dLstm(
  inputShape: readonly (number | null)[],
  numClasses: number,
  cfg: ModelConfig,
): tf.LayersModel {
  checkBuildArgs(inputShape, 2, numClasses, 'cnn1d-lstm');
  requireBlockArrays(cfg, ['kernelSizes', 'convStrides', 'poolsTime']);
  const input = tf.input({ name: 'waveform', shape: [...inputShape] });
  const blocks = cfg.filters.map((filters, i) => ({
    filters,
    kernelSize: cfg.kernelSizes[i],
    stride: cfg.convStrides[i],
    poolTime: cfg.poolsTime[i],
  }));
  const steps = applyBlocks1d(input, blocks, cfg.l2);
  const state = lstm(steps, cfg.lstmUnits, cfg.l2);
  const output = applyClassifier(state, numClasses, cfg);
  return tf.model({ name: 'cnn1d-lstm', inputs: input, outputs: output });
}
