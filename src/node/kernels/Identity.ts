/**
 * Identity for the wasm backend: share the input's data (reference count + 1), as the cpu and
 * webgl backends do, instead of the built-in's full copy. Training calls Identity about a
 * thousand times per step (gradient bookkeeping, clones), on tensors up to the size of the
 * first conv block's activations.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { builtinKernel } from './wasm-ops.js';

export function identity(args: { inputs: { x: tf.TensorInfo }; backend: BackendWasm }): tf.TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === 'string')
    return builtinKernel('Identity')(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as tf.KernelFunc,
};
