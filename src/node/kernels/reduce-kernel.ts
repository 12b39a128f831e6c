/**
 * Shared body of our Sum and Mean kernels: a fast JS pass for float32 reductions over contiguous
 * axes (see reduce-axes.ts); anything else goes to the wasm backend's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { contiguousReduction, reduceMiddle } from './reduce-axes.js';
import { allocate, builtinKernel, heapF32, release } from './wasm-ops.js';
import { heapPointer, simdKernels } from './simd.js';

export function reduceKernel(kernelName: 'Sum' | 'Mean') {
  return (args: {
    inputs: { x: tf.TensorInfo };
    backend: BackendWasm;
    attrs: { axis: number | number[]; keepDims: boolean };
  }): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
    const blocks = x.dtype === 'float32' ? contiguousReduction(x.shape, axes) : null;
    // A reduction over trailing axes is already a contiguous pass in the wasm kernel.
    if (blocks === null || blocks[2] === 1 || tf.util.sizeFromShape(x.shape) === 0) {
      return builtinKernel(kernelName)(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const [outer, reduce, inner] = blocks;
    const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const out = allocate(backend, outShape);
    const scale = kernelName === 'Mean' ? 1 / reduce : 1;
    const simd = inner % 4 === 0 ? simdKernels(backend) : null;
    if (simd !== null) {
      // The same sums, 4 columns at a time (wasm/reduce.ts).
      const acc = allocate(backend, [2 * inner]); // float64
      const ptr = (t: tf.TensorInfo) => heapPointer(backend, t);
      simd.reduceMiddle(ptr(x), outer, reduce, inner, scale, ptr(acc), ptr(out));
      release(backend, acc);
    } else reduceMiddle(heapF32(backend, x), outer, reduce, inner, heapF32(backend, out), scale);
    const shape = attrs.keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    return { ...out, shape };
  };
}
