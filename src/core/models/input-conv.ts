import * as tf from '@tensorflow/tfjs';

type Conv2dArgs = Parameters<typeof tf.layers.conv2d>[0];
type Conv2dLayer = ReturnType<typeof tf.layers.conv2d>;

/** Fields of tfjs's Conv2D layer used here (not public in its type declarations). */
interface Conv2dFields {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: [number, number];
  padding: 'valid' | 'same';
  dataFormat: string;
  dilationRate: [number, number];
  activation: { getClassName(): string };
}

/**
 * conv2d(x, filter) + bias whose gradient flows to the filter and bias only. tfjs's fused conv2d
 * (a customGrad op) computes the input gradient too, even for the model's input where nobody
 * needs it: for the first block of cnn2d-lstm that was a full-size backward convolution (about
 * a seventh of a training step) and a tensor of the activations' size.
 */
function convWithoutInputGradient(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  strides: [number, number],
  pad: 'valid' | 'same',
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const f = args[0] as tf.Tensor4D;
    const b = bias === null ? undefined : (args[1] as tf.Tensor1D);
    save([x, f]);
    return {
      value: tf.fused.conv2d({ x, filter: f, strides, pad, bias: b }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, fs] = saved as tf.Tensor4D[];
        const dFilter = tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: xs, dy },
            { strides, pad, dataFormat: 'NHWC', filterShape: fs.shape },
          ) as tf.Tensor4D;
        return bias === null ? [dFilter] : [dFilter, tf.sum(dy, [0, 1, 2])];
      },
    };
  });
  return (bias === null ? op(filter) : op(filter, bias)) as tf.Tensor4D;
}

/**
 * tfjs's Conv2D layer (same class and saved form) for the layer applied to the model's input:
 * in training, its call skips the gradient with respect to that input. Settings this does not
 * cover (activation, dilation, channels first) and inference run tfjs's own code.
 */
export function inputConv2d(args: Conv2dArgs): Conv2dLayer {
  const layer = tf.layers.conv2d(args);
  const f = layer as unknown as Conv2dFields;
  const original = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const plain =
      f.activation.getClassName().toLowerCase() === 'linear' &&
      f.dataFormat === 'channelsLast' &&
      f.dilationRate.every((d) => d === 1) &&
      x.rank === 4;
    if (kwargs['training'] !== true || !plain) return original(inputs, kwargs);
    return convWithoutInputGradient(
      x as tf.Tensor4D,
      f.kernel.read() as tf.Tensor4D,
      f.bias === null ? null : (f.bias.read() as tf.Tensor1D),
      f.strides,
      f.padding,
    );
  };
  return layer;
}
