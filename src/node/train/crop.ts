/**
 * Fixed-length policy for training: a random window of `windowFrames` from an utterance's
 * frames-major matrix, zero-padded (the normalised mean) when the utterance is shorter, at a
 * random offset so the model does not learn where padding starts. Inference uses the
 * overlapping windows of src/core/windows.ts instead.
 */
import { sliceFrames } from '../../core/windows.js';
import type { Rng } from '../../core/random.js';

/** The crop is written to `out` (windowFrames * coeffs floats) when given, else to a new array. */
export function randomCrop(
  data: Float32Array,
  coeffs: number,
  windowFrames: number,
  rng: Rng,
  out?: Float32Array,
): Float32Array {
  const frames = Math.floor(data.length / coeffs);
  if (frames >= windowFrames) {
    const start = rng.int(frames - windowFrames + 1);
    if (out === undefined) return sliceFrames(data, coeffs, start, windowFrames);
    out.set(data.subarray(start * coeffs, (start + windowFrames) * coeffs));
    return out;
  }
  if (out === undefined) out = new Float32Array(windowFrames * coeffs);
  else out.fill(0);
  const offset = rng.int(windowFrames - frames + 1);
  out.set(data.subarray(0, frames * coeffs), offset * coeffs);
  return out;
}
