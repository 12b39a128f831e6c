import { encodeWav16 } from '../../src/core/audio/wav-encode.js';

/** Encodes mono Float32 samples in [-1, 1] (clipped) as a 16-bit PCM WAV file for upload. */
export function encodeWav(samples: Float32Array, sampleRateHz: number): Blob {
  return new Blob([encodeWav16(samples, sampleRateHz)], { type: 'audio/wav' });
}
