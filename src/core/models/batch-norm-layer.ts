import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from './batch-norm-training.js';

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type BatchNormLayer = ReturnType<typeof tf.layers.batchNormalization>;

/** The fields of tfjs's BatchNormalization layer used here (private in its type declarations). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor };
  beta: { read(): tf.Tensor };
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}

/** variable <- variable - (variable - value) * (1 - momentum), as tfjs's layer updates them. */
function movingAverage(v: BatchNormFields['movingMean'], value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const old = v.read();
    v.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - momentum)));
  });
}

/**
 * tfjs's own BatchNormalization layer (same class, so it saves as 'BatchNormalization' and any
 * tfjs loads it, in Node and in the browser), whose training-mode call runs the one-node
 * batchNormTraining instead of tfjs's moments + batchNorm graph. Inference, and any setting the
 * fused op does not cover (axis other than the last, no centre or scale), is tfjs's own code.
 * Same moving-average update and outputs as the original up to float rounding.
 */
export function batchNormalization(args: BatchNormArgs): BatchNormLayer {
  const layer = tf.layers.batchNormalization(args);
  const f = layer as unknown as BatchNormFields;
  const original = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = f.axis === -1 || f.axis === x.rank - 1;
    if (kwargs['training'] !== true || !lastAxis || !f.center || !f.scale || x.rank < 2) {
      return original(inputs, kwargs);
    }
    return tf.tidy(() => {
      const r = batchNormTraining(x, f.gamma.read() as tf.Tensor1D, f.beta.read() as tf.Tensor1D, f.epsilon);
      movingAverage(f.movingMean, r.mean, f.momentum);
      movingAverage(f.movingVariance, r.variance, f.momentum);
      return r.y;
    });
  };
  return layer;
}
