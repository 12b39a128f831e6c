/**
 * Chunked decoding with audio-decode's per-format stream decoders: the input is fed a slice
 * at a time so a length limit stops the work early, and the library's errors become
 * AudioErrors.
 */
import audioDecode from 'audio-decode';
import { ACCEPTED_FORMATS, AudioError } from './audio-error.js';
import { displayName as display, tooLong } from './messages.js';
import type { Container, HeaderInfo } from './probe/index.js';

/** Bytes handed to the decoder at a time; the length limit is checked after each. */
const DECODE_CHUNK_BYTES = 256 * 1024;

/** audio-decode's decoder name for a container (and, for Ogg, the codec inside). */
export function decoderName(container: Container, codec: string): string {
  switch (container) {
    case 'ogg':
      return codec === 'opus' ? 'opus' : 'oga';
    case 'webm':
      return 'webm';
    case 'matroska':
      return 'mkv';
    case 'mp4':
      return 'm4a';
    default:
      return container;
  }
}

/** One of audio-decode's stream decoders: feed byte chunks, then call without one to flush. */
export interface StreamDecoder {
  (chunk?: Uint8Array): Promise<{ channelData: Float32Array[]; sampleRate: number }>;
  free(): void;
}

/** audio-decode's stream decoder `name` (see decoderName). */
export async function openDecoder(name: string): Promise<StreamDecoder> {
  const factory = (audioDecode as unknown as Record<string, () => Promise<StreamDecoder>>)[name];
  return factory();
}

/** A decoder's failure as an AudioError (already-typed errors pass through). */
export function decodeFailure(err: unknown, h: Pick<HeaderInfo, 'container' | 'codec'>): AudioError {
  if (err instanceof AudioError) return err;
  const why = err instanceof Error ? err.message : String(err);
  const code = /unsupported|not supported|no decoder/i.test(why) ? 'UNSUPPORTED_CODEC' : 'CORRUPT';
  return new AudioError(
    code,
    `could not decode ${display(h.container)} audio (${h.codec}): ${why}; accepted formats: ${ACCEPTED_FORMATS}`,
    { cause: err },
  );
}

/** Decode `b` in chunks with the library's decoder `name`, stopping once past `maxSec`. */
export async function decodeChunks(
  b: Uint8Array,
  name: string,
  h: HeaderInfo,
  maxSec: number,
): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  const dec = await openDecoder(name);
  const parts: Float32Array[][] = [];
  let frames = 0;
  let sampleRate = 0;
  const take = (r: { channelData: Float32Array[]; sampleRate: number }): void => {
    if (!r.channelData.length || !r.channelData[0].length) return;
    if (sampleRate && r.sampleRate !== sampleRate) {
      throw new AudioError(
        'CORRUPT',
        `${display(h.container)} stream changes sample rate from ${sampleRate} to ${r.sampleRate} Hz`,
      );
    }
    if (parts.length && r.channelData.length !== parts[0].length) {
      throw new AudioError(
        'CORRUPT',
        `${display(h.container)} stream changes from ${parts[0].length} to ${r.channelData.length} channels`,
      );
    }
    sampleRate = r.sampleRate;
    parts.push(r.channelData);
    frames += r.channelData[0].length;
    if (frames / sampleRate > maxSec)
      throw tooLong(frames / sampleRate, maxSec, 'after decoding part of it, it already lasts');
  };
  try {
    for (let i = 0; i < b.length; i += DECODE_CHUNK_BYTES)
      take(await dec(b.subarray(i, i + DECODE_CHUNK_BYTES)));
    take(await dec());
  } catch (err) {
    dec.free();
    throw decodeFailure(err, h);
  }
  const nCh = parts.length ? parts[0].length : 0;
  const channels = Array.from({ length: nCh }, (_, c) => {
    if (parts.length === 1) return parts[0][c];
    const out = new Float32Array(frames);
    let o = 0;
    for (const p of parts) {
      out.set(p[c], o);
      o += p[c].length;
    }
    return out;
  });
  return { channels, sampleRate };
}
