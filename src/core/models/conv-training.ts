import * as tf from '@tensorflow/tfjs';

type Conv2dArgs = Parameters<typeof tf.layers.conv2d>[0];
type Conv2dLayer = ReturnType<typeof tf.layers.conv2d>;
type Conv1dArgs = Parameters<typeof tf.layers.conv1d>[0];
type Conv1dLayer = ReturnType<typeof tf.layers.conv1d>;

/**
 * Kernel x [n, h, w, c], filter [kh, kw, c, f], bias [f] -> conv2d(x, filter) + bias (attrs:
 * strides, pad) in training. A backend may register it (the wasm backend does, with direct SIMD
 * loops: src/node/kernels/conv-direct.ts); without it tfjs's fused conv2d runs.
 */
export const CONV_TRAINING = 'EmovoxConvTraining';

/**
 * conv2d(x, filter) + bias as one tape node whose backward pass runs the Conv2DBackpropFilter and
 * (when `inputGradient`) Conv2DBackpropInput kernels. Without the input gradient: tfjs's fused
 * conv2d (a customGrad op) computes it even for the model's input where nobody needs it; for
 * the first block of cnn2d-lstm that was a full-size backward convolution (about a seventh of a
 * training step) and a tensor of the activations' size.
 */
function trainingConv(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  strides: [number, number],
  pad: 'valid' | 'same',
  inputGradient: boolean,
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xIn, f, b] = (inputGradient ? args : [x, ...args]) as [
      tf.Tensor4D,
      tf.Tensor4D,
      tf.Tensor1D | tf.GradSaveFunc,
    ];
    const biasIn = bias === null ? undefined : (b as tf.Tensor1D);
    save([xIn, f]);
    const kernel = biasIn !== undefined && tf.getKernel(CONV_TRAINING, tf.getBackend()) !== undefined;
    return {
      value: kernel
        ? (tf
            .engine()
            .runKernel(CONV_TRAINING, { x: xIn, filter: f, bias: biasIn }, { strides, pad }) as tf.Tensor4D)
        : tf.fused.conv2d({ x: xIn, filter: f, strides, pad, bias: biasIn }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, fs] = saved as tf.Tensor4D[];
        const conv = { strides, pad, dataFormat: 'NHWC' };
        const dFilter = tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: xs, dy },
            { ...conv, filterShape: fs.shape },
          ) as tf.Tensor4D;
        const grads: tf.Tensor[] = [dFilter];
        if (bias !== null) grads.push(tf.sum(dy, [0, 1, 2]));
        if (inputGradient) {
          grads.unshift(
            tf
              .engine()
              .runKernel(
                tf.Conv2DBackpropInput,
                { dy, filter: fs },
                { ...conv, inputShape: xs.shape },
              ) as tf.Tensor,
          );
        }
        return grads;
      },
    };
  });
  const inputs = bias === null ? [filter] : [filter, bias];
  return (inputGradient ? op(x, ...inputs) : op(...inputs)) as tf.Tensor4D;
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
 * tfjs's Conv2D layer (same class and saved form) whose training call is trainingConv: without
 * the gradient with respect to its input when `inputGradient` is false (the layer applied to the
 * model's input). Settings this does not cover (activation, dilation, channels first) and
 * inference run tfjs's own code.
 */
export function trainingConv2d(args: Conv2dArgs, inputGradient = true): Conv2dLayer {
  return trainingCall(tf.layers.conv2d(args), 4, (x, f, bias) =>
    trainingConv(
      x as tf.Tensor4D,
      f.kernel.read() as tf.Tensor4D,
      bias,
      f.strides as [number, number],
      f.padding,
      inputGradient,
    ),
  );
}

/**
 * tfjs's Conv1D layer (same class and saved form) whose training call runs as trainingConv over
 * [n, 1, samples, channels] (`inputGradient` as for trainingConv2d). Inference and settings this
 * does not cover run tfjs's own code.
 */
export function trainingConv1d(args: Conv1dArgs, inputGradient = true): Conv1dLayer {
  return trainingCall(tf.layers.conv1d(args), 3, (x, f, bias) =>
    tf.tidy(() => {
      const [n, w, c] = x.shape;
      const kernel = f.kernel.read();
      const [k, , filters] = kernel.shape;
      const y = trainingConv(
        tf.reshape(x, [n, 1, w, c]),
        tf.reshape(kernel, [1, k, c, filters]),
        bias,
        [1, f.strides[0]],
        f.padding,
        inputGradient,
      );
      return tf.reshape(y, [n, y.shape[2], filters]);
    }),
  );
}
