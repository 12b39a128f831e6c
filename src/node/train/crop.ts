/**
 * Fixed-length policy for training: a random window of `windowFrames` from an utterance's
 * frames-major matrix, zero-padded (the normalised mean) when the utterance is shorter, at a
 * random offset so the model does not learn where padding starts. Inference uses the
 * overlapping windows of src/core/windows.ts instead.
 */
import { sliceFrames } from '../../core/windows.js';
import type { Rng } from '../../core/random.js';

export function randomCrop(data: Float32Array, coeffs: number, windowFrames: number, rng: Rng): Float32Array {
  const frames = Math.floor(data.length / coeffs);
  if (frames >= windowFrames)
    return sliceFrames(data, coeffs, rng.int(frames - windowFrames + 1), windowFrames);
  const out = new Float32Array(windowFrames * coeffs);
  const offset = rng.int(windowFrames - frames + 1);
  out.set(data.subarray(0, frames * coeffs), offset * coeffs);
  return out;
}
