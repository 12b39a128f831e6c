/**
 * Mean for the wasm backend: float32 means over contiguous non-trailing axes (batch-norm
 * statistics of NHWC tensors) in one JS pass; the built-in kernel transposes the whole tensor
 * first. Other means go to the built-in kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { reduceKernel } from './reduce-kernel.js';

export const meanConfig: tf.KernelConfig = {
  kernelName: tf.Mean,
  backendName: 'wasm',
  kernelFunc: reduceKernel('Mean') as unknown as tf.KernelFunc,
};
