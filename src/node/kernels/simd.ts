/**
 * SIMD wasm loops compiled from the AssemblyScript in wasm/ (`npm run build:wasm`, part of
 * `npm run build`), instantiated on the tfjs wasm backend's own memory so they read and write
 * tensors in place: pointers are byte offsets into that heap. One instance per backend (each
 * worker thread has its own). When the compiled file is missing (sources never built), kernels
 * keep their JavaScript loops and a warning says how to build it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs';

/** The exports of the AssemblyScript files in wasm/ (see there); every pointer is a byte offset into the tfjs heap. */
export interface SimdKernels {
  moments(x: number, rows: number, channels: number, s1: number, s2: number): void;
  affine(x: number, rows: number, channels: number, scale: number, shift: number, y: number): void;
  gradSums(
    dy: number,
    x: number,
    mean: number,
    rows: number,
    channels: number,
    sDy: number,
    sDyX: number,
  ): void;
  gradAffine(
    dy: number,
    x: number,
    rows: number,
    channels: number,
    a: number,
    b: number,
    d: number,
    dx: number,
  ): void;
  /** wasm/batch-norm.ts: affine, gradSums, gradAffine with the ELU after the normalisation (its output y after dy). */
  affineElu(x: number, rows: number, channels: number, scale: number, shift: number, y: number): void;
  gradSumsElu(...args: number[]): void;
  gradAffineElu(...args: number[]): void;
  /** wasm/lstm.ts: c [m, n] = a [m, k] @ b [k, n], n a multiple of 8. */
  matMulRows(a: number, b: number, c: number, m: number, k: number, n: number): void;
  /** wasm/lstm.ts (arguments in its order). */
  lstmForward(...args: number[]): void;
  lstmBackward(...args: number[]): void;
  /** wasm/conv-direct.ts (arguments in its order). */
  filterGradDirect(...args: number[]): void;
  convForwardDirect(...args: number[]): void;
  /** wasm/max-pool-grad.ts (arguments in its order). */
  maxPoolGradTiled(...args: number[]): void;
  /** wasm/reduce.ts */
  reduceMiddle(
    x: number,
    outer: number,
    reduce: number,
    inner: number,
    scale: number,
    acc: number,
    out: number,
  ): void;
}

/** The compiled module, next to the package root in both src/ and dist/ layouts. */
export const SIMD_WASM_FILE = fileURLToPath(new URL('../../../wasm/build/kernels.wasm', import.meta.url));

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<object, SimdKernels>();

function module(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new WebAssembly.Module(readFileSync(SIMD_WASM_FILE));
  } catch (e) {
    compiled = null;
    process.emitWarning(
      `${SIMD_WASM_FILE} could not be loaded (${(e as Error).message}); run \`npm run build:wasm\`. Training uses the slower JavaScript batch-norm loops meanwhile.`,
    );
  }
  return compiled;
}

/** The SIMD kernels bound to this backend's heap, or null when they were not built. */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  const wasm = backend.wasm as unknown as { asm: { memory: WebAssembly.Memory } };
  const known = instances.get(wasm);
  if (known) return known;
  const m = module();
  if (m === null) return null;
  const k = new WebAssembly.Instance(m, { env: { memory: wasm.asm.memory } })
    .exports as unknown as SimdKernels;
  instances.set(wasm, k);
  return k;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapPointer(backend: BackendWasm, t: TensorInfo): number {
  return (backend.typedArrayFromHeap(t) as Float32Array).byteOffset;
}
