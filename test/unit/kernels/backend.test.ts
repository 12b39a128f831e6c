import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BackendError, initBackend, wasmSimdEnabled } from '../../../src/node/backend.js';
import { guardMalloc, WasmOutOfMemoryError } from '../../../src/node/kernels/heap-guard.js';
import { PROJECT_KERNELS } from '../../../src/node/kernels/index.js';

test('initBackend() selects wasm with SIMD and the project kernels, and is idempotent', async () => {
  assert.equal(await initBackend(), 'wasm');
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(await wasmSimdEnabled(), true);
  for (const k of PROJECT_KERNELS) assert.equal(tf.getKernel(k.kernelName, 'wasm')?.kernelFunc, k.kernelFunc);
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(await initBackend('wasm'), 'wasm');
});

test('initBackend rejects an unknown backend name, listing the accepted ones', async () => {
  await assert.rejects(initBackend('webgpu' as 'wasm'), (e: Error) => {
    assert.ok(e instanceof BackendError);
    assert.match(e.message, /unknown backend 'webgpu': accepted are wasm, cpu/);
    return true;
  });
});

test('a full wasm heap fails with WasmOutOfMemoryError naming the sizes, not a corrupt heap', () => {
  const fake = { _malloc: (bytes: number) => (bytes > 1000 ? 0 : 64), HEAPU8: new Uint8Array(4096) };
  guardMalloc(fake);
  guardMalloc(fake); // idempotent: wrapped once
  assert.equal(fake._malloc(10), 64);
  assert.throws(
    () => fake._malloc(5_000_000),
    (e: Error) =>
      e instanceof WasmOutOfMemoryError && /heap is full .* 5 MB more .* smaller batch size/.test(e.message),
  );
});
