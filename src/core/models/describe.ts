import type * as tf from '@tensorflow/tfjs';

export interface ModelDescription {
  /** All weights, including batch-norm running statistics. */
  params: number;
  trainableParams: number;
  /** Forward-pass FLOPs (2 x multiply-adds) per second of input audio. */
  flopsPerSecondOfAudio: number;
}

type Shape = (number | null)[];

function singleShape(s: Shape | Shape[]): Shape {
  return Array.isArray(s[0]) ? (s[0] as Shape) : (s as Shape);
}

function product(dims: (number | null)[]): number {
  return dims.reduce<number>((p, d) => {
    if (d === null) throw new Error('describeModel needs a model built for a fixed input length');
    return p * d;
  }, 1);
}

/**
 * Multiply-adds of one layer for one example, from its configuration and shapes:
 * convolutions: output positions x filters x kernel area x input channels; dense:
 * leading positions x inputs x units; LSTM/GRU/SimpleRNN: steps x gates x units x
 * (inputs + units). Element-wise layers (batch norm, ELU, pooling, dropout) cost well under
 * 1 % of these and are left out.
 */
function layerMultiplyAdds(layer: tf.layers.Layer): number {
  const cls = layer.getClassName();
  const input = layer.input as tf.SymbolicTensor | tf.SymbolicTensor[];
  const inShape = (Array.isArray(input) ? input[0] : input).shape;
  const outShape = singleShape(layer.outputShape as Shape | Shape[]);
  const cfg = layer.getConfig() as Record<string, unknown>;
  const inChannels = inShape[inShape.length - 1] as number;
  switch (cls) {
    case 'Conv1D':
    case 'Conv2D': {
      const kernel = cfg.kernelSize as number | number[];
      const kernelArea = Array.isArray(kernel) ? product(kernel) : kernel;
      return product(outShape.slice(1)) * kernelArea * inChannels;
    }
    case 'Dense':
      return product(outShape.slice(1)) * inChannels;
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN': {
      const gates = cls === 'LSTM' ? 4 : cls === 'GRU' ? 3 : 1;
      const units = cfg.units as number;
      const steps = product([inShape[1]]);
      return steps * gates * units * (inChannels + units);
    }
    default:
      return 0;
  }
}

/**
 * Parameter count and forward FLOPs per second of audio of a model whose input covers
 * `secondsOfAudio` seconds (e.g. 3 for a 300-frame log-mel image or 48 000 samples).
 */
export function describeModel(model: tf.LayersModel, secondsOfAudio: number): ModelDescription {
  if (!(secondsOfAudio > 0)) throw new Error(`secondsOfAudio must be > 0, got ${secondsOfAudio}`);
  const multiplyAdds = model.layers.reduce((sum, l) => sum + layerMultiplyAdds(l), 0);
  const trainableParams = model.trainableWeights.reduce((s, w) => s + product(w.shape), 0);
  return {
    params: model.countParams(),
    trainableParams,
    flopsPerSecondOfAudio: (2 * multiplyAdds) / secondsOfAudio,
  };
}
