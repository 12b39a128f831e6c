import * as tf from '@tensorflow/tfjs';

/**
 * Σ_i w_i · cross-entropy(y_i, p_i) / `totalWeight` for softmax outputs `p` (clipped to
 * [1e-7, 1] before the log) and one-hot `y`: the class-weighted mean cross-entropy of a batch
 * when `totalWeight` = Σ w of that batch, or one micro-batch's part of it when `totalWeight` is
 * the whole batch's.
 */
export function weightedCrossEntropy(
  p: tf.Tensor,
  y: tf.Tensor,
  w: tf.Tensor1D,
  totalWeight: number | tf.Scalar,
): tf.Scalar {
  return tf.tidy(() => {
    const ce = tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1));
    return tf.div(tf.sum(tf.mul(ce, w)), totalWeight) as tf.Scalar;
  });
}
