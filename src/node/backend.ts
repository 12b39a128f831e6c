/**
 * tfjs backend set-up for Node: the wasm backend (XNNPACK, SIMD) loaded from the .wasm files
 * inside node_modules (never from the network), plus the project's own training kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { guardMalloc, type MallocModule } from './kernels/heap-guard.js';
import { registerProjectKernels } from './kernels/index.js';
import { EmovoxError } from '../core/errors.js';

export { WasmOutOfMemoryError } from './kernels/heap-guard.js';

export const BACKEND_NAMES = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A backend that was asked for but cannot be used (printed as one line by the CLI). */
export class BackendError extends EmovoxError {
  constructor(message: string) {
    super('BACKEND', message);
  }
}

/** Folder holding tfjs-backend-wasm's .wasm binaries (with a trailing separator). */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
}

let wasmPathsSet = false;

/**
 * Make `name` the active tfjs backend (default 'wasm'), registering the project's kernels on
 * wasm first, and making a full wasm heap (4 GB) fail with WasmOutOfMemoryError. Idempotent: calling it again with the same name does nothing more.
 * Returns the active backend's name.
 */
export async function initBackend(name: BackendName = 'wasm'): Promise<string> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new BackendError(`unknown backend '${String(name)}': accepted are ${BACKEND_NAMES.join(', ')}`);
  }
  if (name === 'wasm') {
    if (!wasmPathsSet) {
      setWasmPaths(wasmBinaryDir());
      wasmPathsSet = true;
    }
    registerProjectKernels();
  }
  if (tf.engine().backendName !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new BackendError(`tfjs backend '${name}' failed to initialise`);
  }
  await tf.ready();
  if (name === 'wasm') guardMalloc((tf.backend() as BackendWasm).wasm as unknown as MallocModule);
  if (name === 'wasm' && !(await wasmSimdEnabled())) {
    process.emitWarning('tfjs wasm backend runs without SIMD: training will be several times slower');
  }
  return tf.getBackend();
}

/** Whether the wasm backend runs its SIMD binary (true on every Node >= 16). */
export async function wasmSimdEnabled(): Promise<boolean> {
  return Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
}
