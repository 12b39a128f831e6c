import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from './batch-norm-training.js';

type EluArgs = NonNullable<Parameters<typeof tf.layers.elu>[0]>;
type EluLayer = ReturnType<typeof tf.layers.elu>;

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type BatchNormLayer = ReturnType<typeof tf.layers.batchNormalization>;

/** The fields of tfjs's BatchNormalization layer used here and by the trainer's batch-norm pass (private in its type declarations). */
export interface BatchNormFields {
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

/** Training outputs of batch norms that already applied the ELU after them (see eluAfterBatchNorm). */
const eluApplied = new WeakSet<tf.Tensor>();

/**
 * tfjs's own BatchNormalization layer (same class, so it saves as 'BatchNormalization' and any
 * tfjs loads it, in Node and in the browser), whose training-mode call runs the one-node
 * batchNormTraining instead of tfjs's moments + batchNorm graph. Inference, and any setting the
 * fused op does not cover (axis other than the last, no centre or scale), is tfjs's own code.
 * Same moving-average update and outputs as the original up to float rounding.
 *
 * `fuseElu`: the layer is followed by eluAfterBatchNorm's ELU layer; in training, this call
 * applies the ELU too (one pass over the data instead of two, and one backward pass fewer) and
 * that layer passes its output through.
 */
export function batchNormalization(args: BatchNormArgs, opts: { fuseElu?: boolean } = {}): BatchNormLayer {
  const layer = tf.layers.batchNormalization(args);
  const f = layer as unknown as BatchNormFields;
  const original = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = f.axis === -1 || f.axis === x.rank - 1;
    if (kwargs['training'] !== true || !lastAxis || !f.center || !f.scale || x.rank < 2) {
      return original(inputs, kwargs);
    }
    const y = tf.tidy(() => {
      const r = batchNormTraining(
        x,
        f.gamma.read() as tf.Tensor1D,
        f.beta.read() as tf.Tensor1D,
        f.epsilon,
        opts.fuseElu ? 'elu' : 'linear',
      );
      movingAverage(f.movingMean, r.mean, f.momentum);
      movingAverage(f.movingVariance, r.variance, f.momentum);
      return r.y;
    });
    if (opts.fuseElu) eluApplied.add(y);
    return y;
  };
  return layer;
}

/**
 * tfjs's ELU layer (same class and saved form) for right after `batchNormalization(..., { fuseElu:
 * true })`: in training, an input that batch norm already passed through the ELU goes through
 * unchanged; anything else (inference, other inputs, alpha other than 1) is tfjs's own call.
 */
export function eluAfterBatchNorm(args: EluArgs = {}): EluLayer {
  const layer = tf.layers.elu(args);
  const original = layer.call.bind(layer);
  const alpha = (layer as unknown as { alpha: number }).alpha;
  layer.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // A reshape to its own shape shares the data: tfjs-layers would copy an input returned as is.
    if (kwargs['training'] === true && alpha === 1 && eluApplied.has(x)) return tf.reshape(x, x.shape);
    return original(inputs, kwargs);
  };
  return layer;
}
