/**
 * Small helpers for kernels that run on the tfjs wasm backend: allocate tensors on the wasm heap,
 * view them as Float32Array, and call the backend's own (XNNPACK) kernels directly.
 *
 * The built-in kernels are captured once, before the project's own kernels replace any of them,
 * so a replacement can still call the original (e.g. our Conv2DBackpropInput uses wasm Conv2D).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;

const builtins = new Map<string, KernelFunc>();

/** The wasm backend's own kernel `name` (as registered by @tensorflow/tfjs-backend-wasm). */
export function builtinKernel(name: string): KernelFunc {
  let f = builtins.get(name);
  if (f === undefined) {
    const config = tf.getKernel(name, 'wasm');
    if (config === undefined) throw new Error(`wasm backend has no built-in kernel '${name}'`);
    f = config.kernelFunc;
    builtins.set(name, f);
  }
  return f;
}

/** Capture the built-in kernels `names` now (call before registering replacements for them). */
export function captureBuiltins(names: string[]): void {
  for (const n of names) builtinKernel(n);
}

/** A new float32 tensor of `shape` on the wasm heap (contents undefined). */
export function allocate(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/**
 * A Float32Array view of a tensor's data on the wasm heap. Any later allocation may grow (and
 * so detach) the heap: take views after allocating, right before use.
 */
export function heapF32(backend: BackendWasm, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Release a tensor made inside a kernel. */
export function release(backend: BackendWasm, t: TensorInfo): void {
  backend.disposeData(t.dataId);
}

/**
 * a [m, k] @ b [k, n] -> new [m, n] through the wasm BatchMatMul (XNNPACK). No transposes:
 * the wasm kernel's transposed paths are naive loops, 10-20x slower than the plain one.
 */
export function matMul(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  m: number,
  k: number,
  n: number,
): TensorInfo {
  const a3 = { dataId: a.dataId, shape: [1, m, k], dtype: a.dtype };
  const b3 = { dataId: b.dataId, shape: [1, k, n], dtype: b.dtype };
  const out = builtinKernel('BatchMatMul')({
    inputs: { a: a3, b: b3 },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
  return { ...out, shape: [m, n] };
}
