/**
 * Streamed decoding: encoded bytes arriving in chunks (a file read piece by piece, MediaRecorder
 * WebM/Opus blobs over a WebSocket) -> mono Float32 chunks at a target rate, holding only what
 * the decoder and the resampler need between chunks. Platform-neutral.
 *
 * audio-decode's stream decoders (WAV, FLAC, MP3, Ogg Vorbis/Opus, WebM/Matroska) decode each
 * chunk as it comes. M4A/MP4 (AAC) and AIFF need the whole file before they give any audio
 * (the sample tables of MP4 can sit at its end), so for those the memory is the whole file's.
 */
import { ACCEPTED_FORMATS, AudioError } from './audio-error.js';
import { audioContainer } from './decode-audio.js';
import { decodeFailure, decoderName, openDecoder, type StreamDecoder } from './decode-chunks.js';
import { displayName, tooLong } from './messages.js';
import { probeHeader, type Container } from './probe/index.js';
import { createStreamResampler, type ResampleQuality, type StreamResampler } from './resample.js';
import { mixToMono } from './signal.js';

/** Containers whose decoder gives audio only once it has the whole file. */
export const WHOLE_FILE_CONTAINERS: readonly Container[] = ['mp4', 'aiff'];

export interface DecodeStreamOptions {
  targetSampleRate: number;
  /** Stop with TOO_LONG past this many seconds (default: no limit). */
  maxDurationSec?: number;
  resampleQuality?: ResampleQuality;
}

/** Bytes gathered before the container is recognised. */
const HEAD_BYTES = 8192;

/**
 * Mono chunks at `targetSampleRate` of the audio whose encoded bytes `chunks` yields. Fails with
 * the decoder's AudioErrors (NOT_AUDIO, UNSUPPORTED_CODEC, CORRUPT, EMPTY, TOO_LONG).
 */
export async function* decodeStream(
  chunks: AsyncIterable<Uint8Array>,
  opts: DecodeStreamOptions,
): AsyncGenerator<Float32Array> {
  const maxSec = opts.maxDurationSec ?? Infinity;
  const it = chunks[Symbol.asyncIterator]();
  // Gather the head: enough bytes to recognise the container and its codec.
  const head: Uint8Array[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < HEAD_BYTES) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    headLen += r.value.length;
  }
  if (headLen === 0)
    throw new AudioError('EMPTY', `empty input (0 bytes); expected audio: ${ACCEPTED_FORMATS}`);
  const first = concatBytes(head, headLen);
  const container = audioContainer(first);
  let codec = '';
  try {
    codec = probeHeader(first, container).codec;
  } catch {
    // A header cut by the head's length: the decoder will say what is wrong, if anything.
  }
  const h = { container, codec: codec || displayName(container) };
  let dec: StreamDecoder | null = null;
  let resampler: StreamResampler | null = null;
  let sourceRate = 0;
  let frames = 0;
  const convert = async (r: {
    channelData: Float32Array[];
    sampleRate: number;
  }): Promise<Float32Array | null> => {
    if (!r.channelData.length || !r.channelData[0].length) return null;
    if (!resampler) {
      sourceRate = r.sampleRate;
      resampler = await createStreamResampler(sourceRate, opts.targetSampleRate, opts.resampleQuality);
    } else if (r.sampleRate !== sourceRate) {
      throw new AudioError(
        'CORRUPT',
        `${displayName(container)} stream changes sample rate from ${sourceRate} to ${r.sampleRate} Hz`,
      );
    }
    frames += r.channelData[0].length;
    if (frames / sourceRate > maxSec)
      throw tooLong(frames / sourceRate, maxSec, 'after decoding part of it, it already lasts');
    const mono = mixToMono(r.channelData);
    for (let i = 0; i < mono.length; i++) {
      if (!Number.isFinite(mono[i])) {
        throw new AudioError('CORRUPT', `damaged ${displayName(container)} audio: a sample is ${mono[i]}`);
      }
    }
    return resampler.push(mono);
  };
  try {
    dec = await openDecoder(decoderName(container, codec));
    let out = await convert(await dec(first));
    if (out?.length) yield out;
    while (!done) {
      const r = await it.next();
      if (r.done) break;
      out = await convert(await dec(r.value));
      if (out?.length) yield out;
    }
    out = await convert(await dec());
    if (out?.length) yield out;
  } catch (err) {
    throw decodeFailure(err, h);
  } finally {
    dec?.free();
  }
  if (frames === 0)
    throw new AudioError('ZERO_LENGTH', `${displayName(container)} input contains no audio samples`);
  const tail = (resampler as StreamResampler | null)?.flush();
  if (tail?.length) yield tail;
}

function concatBytes(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
