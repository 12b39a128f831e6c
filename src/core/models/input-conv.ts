import * as tf from '@tensorflow/tfjs';

type Conv2dArgs = Parameters<typeof tf.layers.conv2d>[0];
type Conv2dLayer = ReturnType<typeof tf.layers.conv2d>;
type Conv1dArgs = Parameters<typeof tf.layers.conv1d>[0];
type Conv1dLayer = ReturnType<typeof tf.layers.conv1d>;

/**
 * Kernel x [n, h, w, 1], filter [kh, kw, 1, f], bias [f] -> conv2d(x, filter) + bias (attrs:
 * strides, pad), for a one-input-channel conv in training. A backend may register it (the wasm
 * backend does: src/node/kernels/conv-direct.ts); without it tfjs's fused conv2d runs.
 */
export const CONV_ONE_CHANNEL = 'EmovoxConvOneChannel';

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
    const direct =
      b !== undefined &&
      x.shape[3] === 1 &&
      f.shape[3] % 8 === 0 &&
      tf.getKernel(CONV_ONE_CHANNEL, tf.getBackend()) !== undefined;
    return {
      value: direct
        ? (tf
            .engine()
            .runKernel(CONV_ONE_CHANNEL, { x, filter: f, bias: b }, { strides, pad }) as tf.Tensor4D)
        : tf.fused.conv2d({ x, filter: f, strides, pad, bias: b }),
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

/** Fields of tfjs's Conv1D and Conv2D layers used here (not public in their type declarations). */
interface ConvFields {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: number[];
  padding: 'valid' | 'same';
  dataFormat: string;
  dilationRate: number[];
  activation: { getClassName(): string };
}

/**
 * Replaces `layer`'s call: in training, with a linear activation, channels last, no dilation and
 * input of `rank`, `train` runs it; anything else (and inference) runs tfjs's own call.
 */
function trainingCall<L extends tf.layers.Layer>(
  layer: L,
  rank: number,
  train: (x: tf.Tensor, f: ConvFields, bias: tf.Tensor1D | null) => tf.Tensor,
): L {
  const f = layer as unknown as ConvFields;
  const original = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const plain =
      f.activation.getClassName().toLowerCase() === 'linear' &&
      f.dataFormat === 'channelsLast' &&
      f.dilationRate.every((d) => d === 1) &&
      x.rank === rank;
    if (kwargs['training'] !== true || !plain) return original(inputs, kwargs);
    return train(x, f, f.bias === null ? null : (f.bias.read() as tf.Tensor1D));
  };
  return layer;
}

/**
 * tfjs's Conv2D layer (same class and saved form) for the layer applied to the model's input:
 * in training, its call skips the gradient with respect to that input. Settings this does not
 * cover (activation, dilation, channels first) and inference run tfjs's own code.
 */
export function inputConv2d(args: Conv2dArgs): Conv2dLayer {
  return trainingCall(tf.layers.conv2d(args), 4, (x, f, bias) =>
    convWithoutInputGradient(
      x as tf.Tensor4D,
      f.kernel.read() as tf.Tensor4D,
      bias,
      f.strides as [number, number],
      f.padding,
    ),
  );
}

/**
 * tfjs's Conv1D layer (same class and saved form) for the layer applied to the model's input
 * (cnn1d-lstm's waveform front end): in training, its call runs as the 2D conv above over
 * [n, 1, samples, channels] (no input gradient; the one-input-channel kernel when registered).
 * Inference and settings this does not cover run tfjs's own code.
 */
export function inputConv1d(args: Conv1dArgs): Conv1dLayer {
  return trainingCall(tf.layers.conv1d(args), 3, (x, f, bias) =>
    tf.tidy(() => {
      const [n, w, c] = x.shape;
      const kernel = f.kernel.read();
      const [k, , filters] = kernel.shape;
      const y = convWithoutInputGradient(
        tf.reshape(x, [n, 1, w, c]),
        tf.reshape(kernel, [1, k, c, filters]),
        bias,
        [1, f.strides[0]],
        f.padding,
      );
      return tf.reshape(y, [n, y.shape[2], filters]);
    }),
  );
}
