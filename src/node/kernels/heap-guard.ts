/**
 * The wasm backend's heap is one 32-bit wasm memory: at most 4 GB. When it is full, emscripten's
 * malloc returns 0 and tfjs writes the tensor at address 0 anyway, corrupting the heap and
 * crashing later with "memory access out of bounds". This guard turns that into a clear error
 * at the tensor allocation that failed. (Allocations inside the wasm code itself, e.g. XNNPACK's
 * packed weights, still abort with "RuntimeError: Aborted()".)
 */

/** The wasm backend ran out of heap (thrown by the guarded malloc; printed as one line by the CLI). */
export class WasmOutOfMemoryError extends Error {
  readonly code = 'WASM_OUT_OF_MEMORY';
  constructor(message: string) {
    super(message);
    this.name = 'WasmOutOfMemoryError';
  }
}

/** The parts of the emscripten module the guard touches. */
export interface MallocModule {
  _malloc: (bytes: number) => number;
  HEAPU8: Uint8Array;
}

const guarded = new WeakSet<object>();

/** Wrap `module._malloc` so a failed allocation throws WasmOutOfMemoryError (idempotent). */
export function guardMalloc(module: MallocModule): void {
  if (guarded.has(module)) return;
  guarded.add(module);
  const malloc = module._malloc;
  module._malloc = (bytes: number): number => {
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) {
      const mb = (n: number) => `${Math.round(n / 1e6)} MB`;
      throw new WasmOutOfMemoryError(
        `the tfjs wasm heap is full (${mb(module.HEAPU8.length)} in use, at most 4 GB) and ` +
          `${mb(bytes)} more were asked for: use a smaller batch size or shorter inputs`,
      );
    }
    return pointer;
  };
}
