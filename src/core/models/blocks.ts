import * as tf from '@tensorflow/tfjs';
import { batchNormalization, eluAfterBatchNorm } from './batch-norm-layer.js';
import { ModelConfigError, type ModelConfig } from './config.js';
import { trainingConv1d, trainingConv2d } from './conv-training.js';
import { lstmLayer } from './lstm-layer.js';

/**
 * Running-statistics momentum of every batch norm: 0.9, PyTorch's default (its momentum=0.1
 * is the weight of the new batch). tfjs's default 0.99 needs hundreds of steps to forget its
 * initial mean 0 / variance 1, and an EMO-DB epoch at batch 32 is ~14 steps: the network used
 * at validation and test time would normalise with statistics from nowhere for most of a run.
 */
export const BN_MOMENTUM = 0.9;

/**
 * Local feature learning blocks (Zhao, Mao & Chen 2019): convolution -> batch norm -> ELU ->
 * max-pool. Convolutions use 'same' padding, pools are 'valid' with stride = pool size (floor,
 * as PyTorch's MaxPool does), so each block divides the time axis by its pool.
 */

export interface Block2d {
  filters: number;
  kernelSize: number;
  /** Max-pool as [time, frequency] in tfjs order (input is [batch, frames, coeffs, channels]). */
  poolTimeFreq: [number, number];
}

export interface Block1d {
  filters: number;
  kernelSize: number;
  stride: number;
  poolTime: number;
}

function regularizer(l2: number): ReturnType<typeof tf.regularizers.l2> | undefined {
  return l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined;
}

/** Batch norm then ELU, as two tfjs layers, fused into one pass in training (batch-norm-layer.ts). */
function batchNormEluBlock(y: tf.SymbolicTensor, n: number): tf.SymbolicTensor {
  const bn = batchNormalization({ name: `block${n}_bn`, axis: -1, momentum: BN_MOMENTUM }, { fuseElu: true });
  return eluAfterBatchNorm({ name: `block${n}_elu` }).apply(bn.apply(y)) as tf.SymbolicTensor;
}

/** Applies 2D blocks to `x` of shape [batch, frames, coeffs, channels]. */
/**
 * The 2D blocks a config describes: filters, kernel sizes and pools (given as [freq, time] in
 * the config, applied as [time, freq] on the frames-major input). Call requireBlockArrays first.
 */
export function blocks2dFromConfig(cfg: ModelConfig): Block2d[] {
  return cfg.filters.map((filters, i) => ({
    filters,
    kernelSize: cfg.kernelSizes[i],
    poolTimeFreq: [cfg.poolsFreqTime[i][1], cfg.poolsFreqTime[i][0]] as [number, number],
  }));
}

export function applyBlocks2d(x: tf.SymbolicTensor, blocks: Block2d[], l2 = 0): tf.SymbolicTensor {
  let y = x;
  blocks.forEach((b, i) => {
    const n = i + 1;
    const [frames, coeffs] = [y.shape[1], y.shape[2]];
    const [pt, pf] = b.poolTimeFreq;
    if ((frames !== null && frames < pt) || (coeffs !== null && coeffs < pf)) {
      throw new ModelConfigError(
        `input too small for block ${n}: it reaches the block as ${frames ?? 'any'} frames x ${coeffs} coefficients ` +
          `but the block pools ${pt} frames x ${pf} coefficients; use longer input (inputSeconds) or smaller pools`,
      );
    }
    const conv = {
      name: `block${n}_conv`,
      filters: b.filters,
      kernelSize: b.kernelSize,
      padding: 'same' as const,
      kernelRegularizer: regularizer(l2),
    };
    // The first block sees the model's input, whose gradient nobody needs.
    y = trainingConv2d(conv, i > 0).apply(y) as tf.SymbolicTensor;
    y = batchNormEluBlock(y, n);
    y = tf.layers
      .maxPooling2d({ name: `block${n}_pool`, poolSize: [pt, pf], strides: [pt, pf], padding: 'valid' })
      .apply(y) as tf.SymbolicTensor;
  });
  return y;
}

/** Applies 1D blocks to `x` of shape [batch, samples, channels]. */
export function applyBlocks1d(x: tf.SymbolicTensor, blocks: Block1d[], l2 = 0): tf.SymbolicTensor {
  let y = x;
  blocks.forEach((b, i) => {
    const n = i + 1;
    const conv = {
      name: `block${n}_conv`,
      filters: b.filters,
      kernelSize: b.kernelSize,
      strides: b.stride,
      padding: 'same' as const,
      kernelRegularizer: regularizer(l2),
    };
    // The first block sees the model's input, whose gradient nobody needs.
    y = trainingConv1d(conv, i > 0).apply(y) as tf.SymbolicTensor;
    const steps = y.shape[1];
    if (steps !== null && steps < b.poolTime) {
      throw new ModelConfigError(
        `input too short for block ${n}: ${steps} steps reach its pool of ${b.poolTime}; ` +
          'use longer input (inputSeconds) or smaller strides/pools',
      );
    }
    y = batchNormEluBlock(y, n);
    y = tf.layers
      .maxPooling1d({ name: `block${n}_pool`, poolSize: b.poolTime, strides: b.poolTime, padding: 'valid' })
      .apply(y) as tf.SymbolicTensor;
  });
  return y;
}

/** Dropout, optional hidden ReLU dense layer, softmax classifier. */
export function applyClassifier(
  x: tf.SymbolicTensor,
  numClasses: number,
  opts: { dropout: number; denseUnits: number; l2: number },
): tf.SymbolicTensor {
  let y = x;
  if (opts.dropout > 0)
    y = tf.layers.dropout({ name: 'dropout', rate: opts.dropout }).apply(y) as tf.SymbolicTensor;
  if (opts.denseUnits > 0) {
    y = tf.layers
      .dense({
        name: 'hidden',
        units: opts.denseUnits,
        activation: 'relu',
        kernelRegularizer: regularizer(opts.l2),
      })
      .apply(y) as tf.SymbolicTensor;
    if (opts.dropout > 0) {
      y = tf.layers.dropout({ name: 'hidden_dropout', rate: opts.dropout }).apply(y) as tf.SymbolicTensor;
    }
  }
  return tf.layers
    .dense({
      name: 'softmax',
      units: numClasses,
      activation: 'softmax',
      kernelRegularizer: regularizer(opts.l2),
    })
    .apply(y) as tf.SymbolicTensor;
}

/**
 * LSTM returning its last state. The recurrent kernel starts glorot-uniform (limit
 * sqrt(6 / 5 units) = 0.097 for 128 units, the same scale as PyTorch's default
 * uniform(+-1/sqrt(units)) = 0.088) rather than tfjs's orthogonal default, whose QR in
 * JavaScript takes tens of seconds for a 128 x 512 matrix.
 */
export function lstm(x: tf.SymbolicTensor, units: number, l2: number): tf.SymbolicTensor {
  return lstmLayer({
    name: 'lstm',
    units,
    returnSequences: false,
    recurrentInitializer: 'glorotUniform',
    kernelRegularizer: regularizer(l2),
    recurrentRegularizer: regularizer(l2),
  }).apply(x) as tf.SymbolicTensor;
}

export function checkBuildArgs(
  inputShape: readonly (number | null)[],
  rank: number,
  numClasses: number,
  model: string,
): void {
  if (inputShape.length !== rank) {
    throw new ModelConfigError(
      `${model}: inputShape must have ${rank} entries (without the batch axis), got [${inputShape.join(', ')}]`,
    );
  }
  if (inputShape.some((d) => d !== null && (!Number.isInteger(d) || d < 1))) {
    throw new ModelConfigError(
      `${model}: inputShape entries must be positive integers, got [${inputShape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new ModelConfigError(`${model}: numClasses must be an integer >= 2, got ${numClasses}`);
  }
}
