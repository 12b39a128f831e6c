/**
 * The wasm backend's heap is one 32-bit wasm memory: at most 4 GB. When it is full, emscripten's
 * malloc either returns 0 (and tfjs writes the tensor at address 0 anyway, corrupting the heap)
 * or traps with "memory access out of bounds". This guard turns that into a clear error
 * at the tensor allocation that failed. (Allocations inside the wasm code itself, e.g. XNNPACK's
 * packed weights, still abort with "RuntimeError: Aborted()".)
 */
import { EmovoxError } from '../../core/errors.js';

/** The wasm backend ran out of heap (thrown by the guarded malloc; printed as one line by the CLI). */
export class WasmOutOfMemoryError extends EmovoxError {
  constructor(message: string) {
    super('WASM_OUT_OF_MEMORY', message);
  }
}

/** The parts of the emscripten module the guard touches. */
export interface MallocModule {
  _malloc: (bytes: number) => number;
  _free?: (pointer: number) => void;
  HEAPU8: Uint8Array;
  /** tfjs's own bookkeeping, which allocates inside the wasm code for every new tensor. */
  tfjs?: { registerTensor: (id: number, size: number, offset: number) => void };
}

const guarded = new WeakSet<object>();

/** Heap size past which a trap in free() is taken for exhaustion (3.8 GB of the 4 GB). */
const NEARLY_FULL_BYTES = 3.8e9;

/** Wrap `module._malloc` so a failed allocation throws WasmOutOfMemoryError (idempotent). */
export function guardMalloc(module: MallocModule): void {
  if (guarded.has(module)) return;
  guarded.add(module);
  // Emscripten's _malloc starts as a stub that, on first call, assigns the raw export over
  // itself: a setter keeps our wrapper in place and just swaps what it calls.
  let malloc = module._malloc;
  const guardedMalloc = (bytes: number): number => {
    const mb = (n: number) => `${Math.round(n / 1e6)} MB`;
    const full = () =>
      new WasmOutOfMemoryError(
        `the tfjs wasm heap is full (${mb(module.HEAPU8.length)} in use, at most 4 GB) and ` +
          `${mb(bytes)} more were asked for: use a smaller batch size or shorter inputs`,
      );
    let pointer: number;
    try {
      pointer = malloc(bytes);
    } catch (e) {
      // Near 4 GB emscripten's malloc itself traps ("memory access out of bounds").
      if (e instanceof WebAssembly.RuntimeError) throw full();
      throw e;
    }
    if (pointer === 0 && bytes > 0) throw full();
    return pointer;
  };
  Object.defineProperty(module, '_malloc', {
    configurable: true,
    enumerable: true,
    get: () => guardedMalloc,
    set: (f: (bytes: number) => number) => {
      malloc = f;
    },
  });
  // A failed allocation inside the wasm code (XNNPACK, tfjs bookkeeping) writes through a null
  // pointer and corrupts the heap; the trap then comes from a later free.
  if (module._free !== undefined) {
    let free = module._free;
    const guardedFree = (pointer: number): void => {
      try {
        free(pointer);
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError && module.HEAPU8.length > NEARLY_FULL_BYTES) {
          throw new WasmOutOfMemoryError(
            `the tfjs wasm heap ran out (${Math.round(module.HEAPU8.length / 1e6)} MB in use, at most 4 GB) ` +
              'and is now corrupt: use a smaller batch size or shorter inputs',
          );
        }
        throw e;
      }
    };
    Object.defineProperty(module, '_free', {
      configurable: true,
      enumerable: true,
      get: () => guardedFree,
      set: (f: (pointer: number) => void) => {
        free = f;
      },
    });
  }
  const tfjs = module.tfjs;
  if (tfjs !== undefined) {
    const register = tfjs.registerTensor;
    tfjs.registerTensor = (id: number, size: number, offset: number): void => {
      try {
        register(id, size, offset);
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError) {
          throw new WasmOutOfMemoryError(
            `the tfjs wasm heap is full (${Math.round(module.HEAPU8.length / 1e6)} MB in use, at most 4 GB): ` +
              'use a smaller batch size or shorter inputs',
          );
        }
        throw e;
      }
    };
  }
}
