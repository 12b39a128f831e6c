/**
 * Framing: padding for centred frames, frame counts and frame extraction. Frame t starts at
 * sample t * hop of the (padded) signal and spans frameLength samples.
 */
export type PadMode = 'constant' | 'reflect';

/** Number of frames: centred -> 1 + floor(n / hop); else 1 + floor((n - frameLength) / hop), 0 if too short. */
export function frameCount(nSamples: number, frameLength: number, hop: number, center: boolean): number {
  if (center) return 1 + Math.floor(nSamples / hop);
  if (nSamples < frameLength) return 0;
  return 1 + Math.floor((nSamples - frameLength) / hop);
}

/** Index into x for a position outside 0..n-1 by mirror reflection without repeating the edge (numpy 'reflect'). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/**
 * Pads `pad` samples at both ends: zeros ('constant') or a mirror image ('reflect'). Writes into
 * `out` when given (it must hold at least n + 2 pad values; the result is a view of its start).
 */
export function padSignal(
  x: ArrayLike<number>,
  pad: number,
  mode: PadMode = 'constant',
  out?: Float64Array,
): Float64Array {
  const n = x.length;
  const y = out ? out.subarray(0, n + 2 * pad) : new Float64Array(n + 2 * pad);
  if (x instanceof Float32Array || x instanceof Float64Array) y.set(x, pad);
  else for (let i = 0; i < n; i++) y[pad + i] = x[i];
  if (mode === 'reflect' && n > 0) {
    for (let i = 0; i < pad; i++) {
      y[pad - 1 - i] = x[reflectIndex(-1 - i, n)];
      y[pad + n + i] = x[reflectIndex(n + i, n)];
    }
  } else if (out) {
    y.fill(0, 0, pad);
    y.fill(0, pad + n);
  }
  return y;
}

/** Frames of `frameLength` samples every `hop` samples (no padding), frames-major. */
export function frameSignal(
  x: ArrayLike<number>,
  frameLength: number,
  hop: number,
): { data: Float64Array; frames: number; frameLength: number } {
  if (!Number.isInteger(frameLength) || frameLength < 1 || !Number.isInteger(hop) || hop < 1) {
    throw new RangeError(`frameLength and hop must be positive integers, got ${frameLength} and ${hop}`);
  }
  const frames = frameCount(x.length, frameLength, hop, false);
  const data = new Float64Array(frames * frameLength);
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    for (let i = 0; i < frameLength; i++) data[t * frameLength + i] = x[start + i];
  }
  return { data, frames, frameLength };
}
