/**
 * Sum for the wasm backend: float32 sums over contiguous non-trailing axes (e.g. the N, H, W axes
 * of NHWC batch-norm gradients) in one JS pass; the built-in kernel transposes the whole tensor
 * first. Other sums go to the built-in kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { reduceKernel } from './reduce-kernel.js';

export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: reduceKernel('Sum') as unknown as tf.KernelFunc,
};
