import * as tf from '@tensorflow/tfjs';

/**
 * Training-mode batch normalisation over every axis but the last (channels), as one tape node.
 *
 * tfjs's own training graph (moments -> batchNorm) records about ten element-wise ops per layer
 * and keeps the gradient of each until the backward pass ends; for the first block of cnn2d-lstm
 * (32 x 300 x 64 x 64 floats = 157 MB per tensor) that was most of a step's time and memory.
 * Here the forward pass saves only x and the per-channel statistics, and the backward pass uses
 * the closed-form gradient (N values per channel, x^ = (x - mean) / sqrt(var + eps)):
 *   dbeta = sum(dy), dgamma = sum(dy * x^),
 *   dx = gamma / sqrt(var + eps) * (dy - dbeta / N - x^ * dgamma / N).
 * A backend can register the kernels named below to do each direction in two passes over the
 * data (src/node/kernels/BatchNormTraining.ts does for wasm); elsewhere standard ops compute the
 * same, so this runs on any backend. Variance is the biased one, as tf.moments and PyTorch's
 * normalisation use.
 */

/**
 * Kernel x, gamma, beta -> y, mean, variance (attrs: varianceEpsilon, activation). With
 * activation 'elu', y is elu(batch norm) (alpha 1): the ELU after it in the same pass.
 */
export const BATCH_NORM_TRAINING = 'EmovoxBatchNormTraining';
/**
 * Kernel dy, x, mean, variance, gamma (and y, the forward output, with activation 'elu') ->
 * dx, dgamma, dbeta (attrs: varianceEpsilon, activation); with 'elu', dy is the gradient of the
 * ELU's output and goes through the ELU (dy where y >= 0, dy (y + 1) elsewhere) first.
 */
export const BATCH_NORM_TRAINING_GRAD = 'EmovoxBatchNormTrainingGrad';

/** What follows the normalisation inside the same tape node. */
export type BatchNormActivation = 'linear' | 'elu';

export interface BatchNormTrainingResult {
  y: tf.Tensor;
  /** Per-channel batch mean and (biased) variance, for the moving averages. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function leadingAxes(rank: number): number[] {
  return Array.from({ length: rank - 1 }, (_, i) => i);
}

function forward(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
  activation: BatchNormActivation,
): tf.Tensor[] {
  if (hasKernel(BATCH_NORM_TRAINING)) {
    return tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAINING,
        { x, gamma, beta },
        { varianceEpsilon: eps, activation },
      ) as tf.Tensor[];
  }
  const { mean, variance } = tf.moments(x, leadingAxes(x.rank));
  const y = tf.batchNorm(x, mean, variance, beta, gamma, eps);
  return [activation === 'elu' ? tf.elu(y) : y, mean, variance];
}

function backward(
  dOut: tf.Tensor,
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor,
  eps: number,
  activation: BatchNormActivation,
  y: tf.Tensor | undefined,
): tf.Tensor[] {
  if (hasKernel(BATCH_NORM_TRAINING_GRAD)) {
    return tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAINING_GRAD,
        { dy: dOut, x, mean, variance, gamma, ...(y === undefined ? {} : { y }) },
        { varianceEpsilon: eps, activation },
      ) as tf.Tensor[];
  }
  const dy =
    activation === 'elu' ? tf.where(tf.greaterEqual(y!, 0), dOut, tf.mul(dOut, tf.add(y!, 1))) : dOut;
  const axes = leadingAxes(x.rank);
  const n = x.size / x.shape[x.rank - 1];
  const invStd = tf.rsqrt(tf.add(variance, eps));
  const xHat = tf.mul(tf.sub(x, mean), invStd);
  const dBeta = tf.sum(dy, axes);
  const dGamma = tf.sum(tf.mul(dy, xHat), axes);
  const centred = tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xHat, tf.div(dGamma, n)));
  return [tf.mul(centred, tf.mul(gamma, invStd)), dGamma, dBeta];
}

/**
 * y = gamma * (x - mean) / sqrt(var + eps) + beta with the batch's statistics over all axes but
 * the last (then elu(y) with activation 'elu'); gradients flow to x, gamma and beta. `mean` and `variance` are new tensors the caller
 * disposes.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  varianceEpsilon = 1e-3,
  activation: BatchNormActivation = 'linear',
): BatchNormTrainingResult {
  const channels = x.shape[x.rank - 1];
  if (x.rank < 2 || gamma.size !== channels || beta.size !== channels) {
    throw new Error(
      `batchNormTraining: x [${x.shape}] needs rank >= 2 and gamma/beta of its ${channels} channels, ` +
        `got [${gamma.shape}] and [${beta.shape}]`,
    );
  }
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = forward(xIn, g, b, varianceEpsilon, activation);
    stats = [tf.keep(mean), tf.keep(variance)];
    save(activation === 'elu' ? [xIn, mean, variance, g, y] : [xIn, mean, variance, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, m, v, gs, ys] = saved;
        return backward(dy, xs, m, v, gs, varianceEpsilon, activation, ys);
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: stats[0] as tf.Tensor1D, variance: stats[1] as tf.Tensor1D };
}
