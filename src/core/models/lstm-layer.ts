import * as tf from '@tensorflow/tfjs';
import { lstmLastState, type RecurrentActivation } from './lstm-training.js';

type LstmArgs = Parameters<typeof tf.layers.lstm>[0];
type LstmLayer = ReturnType<typeof tf.layers.lstm>;

/** Fields of tfjs's LSTM layer and cell used here (not public in its type declarations). */
interface LstmFields {
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
  cell: {
    kernel: { read(): tf.Tensor };
    recurrentKernel: { read(): tf.Tensor };
    bias: { read(): tf.Tensor } | null;
    activation: { getClassName(): string };
    recurrentActivation: { getClassName(): string };
    dropout: number;
    recurrentDropout: number;
  };
}

/**
 * tfjs's LSTM layer (same class and saved form, so any tfjs loads it) whose training-mode call
 * runs the one-node lstmLastState. Anything that op does not cover (returned sequences or
 * states, masks, initial states, dropout, other activations) and inference run tfjs's own code.
 */
export function lstmLayer(args: LstmArgs): LstmLayer {
  const layer = tf.layers.lstm(args);
  const f = layer as unknown as LstmFields;
  const original = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    const cell = f.cell;
    const recurrent = cell.recurrentActivation.getClassName();
    const covered =
      kwargs['training'] === true &&
      x !== null &&
      x.rank === 3 &&
      kwargs['mask'] == null &&
      kwargs['initialState'] == null &&
      !f.returnSequences &&
      !f.returnState &&
      !f.goBackwards &&
      !f.stateful &&
      cell.bias !== null &&
      cell.dropout === 0 &&
      cell.recurrentDropout === 0 &&
      cell.activation.getClassName() === 'tanh' &&
      (recurrent === 'hardSigmoid' || recurrent === 'sigmoid');
    if (!covered) return original(inputs, kwargs);
    return lstmLastState(
      x as tf.Tensor3D,
      cell.kernel.read() as tf.Tensor2D,
      cell.recurrentKernel.read() as tf.Tensor2D,
      cell.bias!.read() as tf.Tensor1D,
      recurrent as RecurrentActivation,
    );
  };
  return layer;
}
