/** Helpers for checking wasm kernels against the pure-JS cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../../../src/node/backend.js';
import { seededRng } from '../../../src/core/random.js';

/** Deterministic uniform values in [-1, 1) (the project's seeded generator), so failures reproduce. */
export function randomValues(n: number, seed: number): Float32Array {
  const random = seededRng(seed);
  return Float32Array.from({ length: n }, () => 2 * random() - 1);
}

/** Run `f` (inside tf.tidy) on each backend and return its outputs' values, in order. */
export async function runOn(
  backends: BackendName[],
  f: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[][]> {
  const results: Float32Array[][] = [];
  for (const b of backends) {
    await initBackend(b);
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    results.push(list.map((t) => t.dataSync() as Float32Array));
    tf.dispose(list);
  }
  return results;
}

/** max |a - b| / max |b| (relative to the reference's magnitude). */
export function relativeMaxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return diff / Math.max(mag, 1e-30);
}
