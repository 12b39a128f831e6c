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

interface StreamDecoder {
  (chunk?: Uint8Array): Promise<{ channelData: Float32Array[]; sampleRate: number }>;
  free(): void;
}

/** Decode `b` in chunks with the library's decoder `name`, stopping once past `maxSec`. */
export async function decodeChunks(
  b: Uint8Array,
  name: string,
  h: HeaderInfo,
  maxSec: number,
): Promise<{ channels: Float32Array[]; sampleRate: number }> {
  const factory = (audioDecode as unknown as Record<string, () => Promise<StreamDecoder>>)[name];
  const dec = await factory();
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
    if (err instanceof AudioError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    const code = /unsupported|not supported|no decoder/i.test(why) ? 'UNSUPPORTED_CODEC' : 'CORRUPT';
    throw new AudioError(
      code,
      `could not decode ${display(h.container)} audio (${h.codec}): ${why}; accepted formats: ${ACCEPTED_FORMATS}`,
      {
        cause: err,
      },
    );
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
  if (h.container === 'wav') symmetricIntegerPcm(channels, h.codec);
  return { channels, sampleRate };
}

/** Full scale of the integer PCM codecs whose positive codes the WAV decoder scales by 1 / (full - 1). */
const PCM_FULL_SCALE: Record<string, number> = { pcm_u8: 128, pcm_s16le: 32768, pcm_s24le: 8388608 };

/**
 * Integer PCM as code / 2^(bits-1) for every code, as libsndfile, torchaudio, soundfile and
 * numpy read it. @audio/decode-wav divides positive codes by 2^(bits-1) - 1 and negative ones
 * by 2^(bits-1): a gain 3e-5 higher on positive half-waves (16-bit), an even-order distortion
 * that put up to 0.07 dB into the weakest mel bands (near 0 Hz and Nyquist) of EMO-DB clips
 * against torchaudio. Rounding x (2^(bits-1) - 1) recovers the code exactly (the float32 error
 * times the code stays below 0.5). 32-bit PCM is left alone (its asymmetry is 5e-10).
 */
export function symmetricIntegerPcm(channels: Float32Array[], codec: string): void {
  const full = PCM_FULL_SCALE[codec];
  if (!full) return;
  const up = full - 1;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) if (ch[i] > 0) ch[i] = Math.round(ch[i] * up) / full;
  }
}
