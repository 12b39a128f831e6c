/**
 * Mono Float32 signals and the small measurements every stage needs. Platform-neutral.
 */

/** A mono signal: samples in [-1, 1] at `sampleRate` Hz. */
export interface Signal {
  samples: Float32Array;
  sampleRate: number;
}

/**
 * Peak below which a signal counts as digital silence (~ -140 dBFS): far under the least
 * significant bit of 24-bit audio (1.2e-7), so only true zeros and float-encoder dust qualify.
 */
export const DIGITAL_SILENCE_PEAK = 1e-7;

/** Average of the channels, sample by sample. One channel is returned as is (same array). */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) throw new RangeError('mixToMono: no channels given');
  if (channels.length === 1) return channels[0];
  const length = channels[0].length;
  for (const [i, ch] of channels.entries()) {
    if (ch.length !== length) {
      throw new RangeError(`mixToMono: channel ${i} has ${ch.length} samples, channel 0 has ${length}`);
    }
  }
  const out = new Float32Array(length);
  const scale = 1 / channels.length;
  for (const ch of channels) for (let i = 0; i < length; i++) out[i] += ch[i];
  for (let i = 0; i < length; i++) out[i] *= scale;
  return out;
}

/** Largest absolute sample value (0 for an empty signal). */
export function peak(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > p) p = a;
  }
  return p;
}

/** Root mean square (0 for an empty signal). */
export function rms(x: Float32Array): number {
  if (x.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length);
}

/** True when every sample is 0 or the peak is below `thresholdPeak` (digital silence). */
export function isDigitalSilence(x: Float32Array, thresholdPeak = DIGITAL_SILENCE_PEAK): boolean {
  return peak(x) < thresholdPeak;
}

/**
 * Exactly `length` samples taken from `x` starting at `offset` (samples; may be negative),
 * with zeros where the window falls outside `x`. Crops a long signal, zero-pads a short one.
 */
export function padOrCrop(x: Float32Array, length: number, offset = 0): Float32Array {
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(`padOrCrop: length must be a non-negative integer, got ${length}`);
  }
  if (!Number.isInteger(offset)) throw new RangeError(`padOrCrop: offset must be an integer, got ${offset}`);
  const out = new Float32Array(length);
  const from = Math.max(0, offset);
  const to = Math.min(x.length, offset + length);
  if (to > from) out.set(x.subarray(from, to), from - offset);
  return out;
}

/** The signals one after the other (a single part is returned as is). */
export function concatSamples(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
