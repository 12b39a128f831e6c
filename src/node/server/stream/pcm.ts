/**
 * Raw PCM byte chunks of a stream (16-bit or float32, little-endian, mono) -> Float32 samples at
 * the model's rate. A sample split across two messages is carried over to the next.
 */
import { createStreamResampler } from '../../../core/audio/resample.js';

export type PcmFormat = 'pcm16' | 'float32';

export async function* pcmStream(
  chunks: AsyncIterable<Uint8Array>,
  format: PcmFormat,
  sampleRate: number,
  targetSampleRate: number,
): AsyncGenerator<Float32Array> {
  const width = format === 'pcm16' ? 2 : 4;
  const resampler = await createStreamResampler(sampleRate, targetSampleRate, 'medium');
  let carry = new Uint8Array(0);
  for await (const chunk of chunks) {
    let bytes = chunk;
    if (carry.length) {
      bytes = new Uint8Array(carry.length + chunk.length);
      bytes.set(carry);
      bytes.set(chunk, carry.length);
    }
    const n = Math.floor(bytes.length / width);
    carry = bytes.slice(n * width);
    if (n === 0) continue;
    const view = new DataView(bytes.buffer, bytes.byteOffset, n * width);
    const x = new Float32Array(n);
    if (width === 2) for (let i = 0; i < n; i++) x[i] = view.getInt16(2 * i, true) / 32768;
    else
      for (let i = 0; i < n; i++) {
        const v = view.getFloat32(4 * i, true);
        // Non-finite samples would poison the spectra; clip the rest to the valid range.
        x[i] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
      }
    const y = resampler.push(x);
    if (y.length) yield y;
  }
  const tail = resampler.flush();
  if (tail.length) yield tail;
}
