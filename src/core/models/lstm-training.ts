import * as tf from '@tensorflow/tfjs';

/**
 * An LSTM over a whole sequence, returning its last state, as one tape node: tfjs's LSTM layer
 * records ~25 ops per time step forward and ~50 backward (plus a clone of every saved tensor),
 * each paying the engine's per-op cost; for the small cnn2d-lstm that was about a third of a
 * training step. Here the input projection is one matrix product for all steps, the recurrence
 * runs in one kernel call per direction when the backend registers the kernels named below
 * (src/node/kernels/Lstm.ts does for wasm), else as standard ops per step on any backend.
 *
 * Same cell as tfjs's LSTMCell: gates z = x W + h U + b split as [i, f, g, o];
 * i, f, o = recurrentActivation(z), g = tanh(z), c = f c' + i g, h = o tanh(c); zero initial state.
 * The backward pass is back-propagation through time from the saved gates and cells.
 */

export type RecurrentActivation = 'hardSigmoid' | 'sigmoid';

/** Kernel xw [B, T, 4U], recurrentKernel [U, 4U] -> h [B, U], gates [T, B, 4U], cells [T, B, U], hPrev [T, B, U]. */
export const LSTM_SEQUENCE = 'EmovoxLstmSequence';
/** Kernel dh, recurrentKernel, gates, cells, hPrev -> dxw [B, T, 4U], dRecurrentKernel [U, 4U]. */
export const LSTM_SEQUENCE_GRAD = 'EmovoxLstmSequenceGrad';

export interface LstmAttrs {
  recurrentActivation: RecurrentActivation;
}

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function activate(z: tf.Tensor, kind: RecurrentActivation): tf.Tensor {
  return kind === 'sigmoid' ? tf.sigmoid(z) : tf.clipByValue(tf.add(tf.mul(z, 0.2), 0.5), 0, 1);
}

/** Derivative of the recurrent activation from its output a. */
function activationSlope(a: tf.Tensor, kind: RecurrentActivation): tf.Tensor {
  if (kind === 'sigmoid') return tf.mul(a, tf.sub(1, a));
  return tf.mul(tf.logicalAnd(tf.greater(a, 0), tf.less(a, 1)).toFloat(), 0.2);
}

/** The recurrence with standard ops, one step at a time. */
function sequenceOps(xw: tf.Tensor3D, u: tf.Tensor2D, kind: RecurrentActivation): tf.Tensor[] {
  const [batch, , four] = xw.shape;
  const units = four / 4;
  let h: tf.Tensor = tf.zeros([batch, units]);
  let c: tf.Tensor = tf.zeros([batch, units]);
  const gates: tf.Tensor[] = [];
  const cells: tf.Tensor[] = [];
  const hPrev: tf.Tensor[] = [];
  for (const xwt of tf.unstack(tf.transpose(xw, [1, 0, 2]))) {
    const [zi, zf, zg, zo] = tf.split(tf.add(xwt, tf.matMul(h, u)), 4, 1);
    const [i, f, g, o] = [activate(zi, kind), activate(zf, kind), tf.tanh(zg), activate(zo, kind)];
    hPrev.push(h);
    c = tf.add(tf.mul(f, c), tf.mul(i, g));
    h = tf.mul(o, tf.tanh(c));
    gates.push(tf.concat([i, f, g, o], 1));
    cells.push(c);
  }
  return [h, tf.stack(gates), tf.stack(cells), tf.stack(hPrev)];
}

/** Back-propagation through time with standard ops. */
function sequenceGradOps(
  dhLast: tf.Tensor,
  u: tf.Tensor2D,
  gates: tf.Tensor3D,
  cells: tf.Tensor3D,
  hPrev: tf.Tensor3D,
  kind: RecurrentActivation,
): tf.Tensor[] {
  const [steps, batch, units] = cells.shape;
  const gateSteps = tf.unstack(gates);
  const cellSteps = tf.unstack(cells);
  const uT = tf.transpose(u);
  let dh = dhLast;
  let dcNext: tf.Tensor = tf.zeros([batch, units]);
  const dz: tf.Tensor[] = new Array<tf.Tensor>(steps);
  for (let t = steps - 1; t >= 0; t--) {
    const [i, f, g, o] = tf.split(gateSteps[t], 4, 1);
    const tc = tf.tanh(cellSteps[t]);
    const cPrev = t > 0 ? cellSteps[t - 1] : tf.zerosLike(tc);
    const dO = tf.mul(dh, tc);
    const dC = tf.add(dcNext, tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc))));
    dz[t] = tf.concat(
      [
        tf.mul(tf.mul(dC, g), activationSlope(i, kind)),
        tf.mul(tf.mul(dC, cPrev), activationSlope(f, kind)),
        tf.mul(tf.mul(dC, i), tf.sub(1, tf.square(g))),
        tf.mul(dO, activationSlope(o, kind)),
      ],
      1,
    );
    dcNext = tf.mul(dC, f);
    dh = tf.matMul(dz[t], uT);
  }
  const dZ = tf.stack(dz); // [T, B, 4U]
  const dU = tf.matMul(
    tf.reshape(hPrev, [steps * batch, units]),
    tf.reshape(dZ, [steps * batch, 4 * units]),
    true,
  );
  return [tf.transpose(dZ, [1, 0, 2]), dU];
}

/**
 * Last hidden state [B, U] of an LSTM over x [B, T, D] with kernel [D, 4U], recurrent kernel
 * [U, 4U] and bias [4U]; gradients flow to all four.
 */
export function lstmLastState(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  recurrentActivation: RecurrentActivation = 'hardSigmoid',
): tf.Tensor2D {
  const [batch, steps, dim] = x.shape;
  const four = kernel.shape[1];
  if (
    kernel.shape[0] !== dim ||
    recurrentKernel.shape[1] !== four ||
    recurrentKernel.shape[0] * 4 !== four ||
    bias.size !== four
  ) {
    throw new Error(
      `lstmLastState: x [${x.shape}] needs kernel [${dim}, 4U], recurrent kernel [U, 4U] and bias [4U]; ` +
        `got [${kernel.shape}], [${recurrentKernel.shape}], [${bias.shape}]`,
    );
  }
  const attrs = { recurrentActivation };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, w, u, b, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const x2d = tf.reshape(xs, [batch * steps, dim]);
    const xw = tf.reshape(tf.add(tf.matMul(x2d, w), b), [batch, steps, four]) as tf.Tensor3D;
    const [h, gates, cells, hPrev] = hasKernel(LSTM_SEQUENCE)
      ? (tf.engine().runKernel(LSTM_SEQUENCE, { xw, recurrentKernel: u }, { ...attrs }) as tf.Tensor[])
      : sequenceOps(xw, u, recurrentActivation);
    save([x2d, w, u, gates, cells, hPrev]);
    return {
      value: h,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [x2dS, wS, uS, gS, cS, hS] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
        ];
        const [dxw, dU] = hasKernel(LSTM_SEQUENCE_GRAD)
          ? (tf
              .engine()
              .runKernel(
                LSTM_SEQUENCE_GRAD,
                { dh: dy, recurrentKernel: uS, gates: gS, cells: cS, hPrev: hS },
                { ...attrs },
              ) as tf.Tensor[])
          : sequenceGradOps(dy, uS, gS, cS, hS, recurrentActivation);
        const dxw2d = tf.reshape(dxw, [batch * steps, four]);
        return [
          tf.reshape(tf.matMul(dxw2d, wS, false, true), [batch, steps, dim]),
          tf.matMul(x2dS, dxw2d, true, false),
          dU,
          tf.sum(dxw2d, 0),
        ];
      },
    };
  });
  return op(x, kernel, recurrentKernel, bias) as tf.Tensor2D;
}
