/**
 * Encoded audio bytes -> Float32 mono at a target rate, with typed errors for everything
 * that makes a file unusable. Platform-neutral: the decoders (audio-decode: JS and wasm
 * builds of libFLAC, mpg123, libopus, libvorbis, ...) and the resampler run in Node and in the
 * browser alike. Node's file reading lives in src/node/decode.ts.
 *
 * Order of checks: empty -> not audio -> header (unsupported codec, declared length over the
 * limit, zero length, truncated WAV) -> decode in chunks (stops as soon as the limit is passed)
 * -> decoded length against the header (truncated) -> too short -> digital silence.
 */
import { ACCEPTED_FORMATS, AudioError } from './audio-error.js';
import {
  probeHeader,
  sniffContainer,
  type Container,
  type HeaderInfo,
  type WavHeader,
} from './probe/index.js';
import { decodeChunks, decoderName } from './decode-chunks.js';
import { displayName as display, fmtSec, tooLong } from './messages.js';
import { resample, type ResampleQuality } from './resample.js';
import { DIGITAL_SILENCE_PEAK, mixToMono, peak, type Signal } from './signal.js';

export interface DecodeOptions {
  /** Output rate in Hz; a source already at this rate is passed through untouched. */
  targetSampleRate?: number;
  /** Longest accepted audio in seconds; longer input fails with TOO_LONG. */
  maxDurationSec?: number;
  /** Shortest accepted audio in seconds (0 = no minimum); shorter input fails with TOO_SHORT. */
  minDurationSec?: number;
  /**
   * Accept digital silence instead of failing with SILENT (e.g. to compute features of it). The
   * SILENT message does not name this option: it reaches CLI, API and page users, who cannot set it.
   */
  allowSilence?: boolean;
  /** libsamplerate converter when the source rate differs from the target: 'best' (default,
   *  ~140 dB SNR) or the ~3x faster 'medium' (~120 dB) / 'fastest' (~110 dB). */
  resampleQuality?: ResampleQuality;
}

/** Facts about the encoded source, before mixing and resampling. */
export interface SourceInfo {
  sampleRate: number;
  channels: number;
  codec: string;
  container: string;
  durationSec: number;
}

export interface DecodedAudio extends Signal {
  source: SourceInfo;
}

export interface DecodedSource {
  /** One Float32Array per source channel, at source.sampleRate. */
  channels: Float32Array[];
  source: SourceInfo;
}

export const DEFAULT_TARGET_SAMPLE_RATE = 16_000;
export const DEFAULT_MAX_DURATION_SEC = 600;

/** A decoded length this much shorter than the header's is a truncated file (codec frames and
 *  encoder delay/padding trimming make small differences normal). */
const TRUNCATION_TOLERANCE_SEC = 0.15;

/** An MP3 size/bitrate estimate is only trusted to reject early when it passes the limit by this factor. */
const ESTIMATE_MARGIN = 1.25;

function checkHeader(h: HeaderInfo, maxSec: number): void {
  if (h.declaredDurationSec !== null && h.declaredDurationSec > maxSec) {
    throw tooLong(h.declaredDurationSec, maxSec, 'its header declares');
  }
  if (h.estimatedDurationSec !== null && h.estimatedDurationSec > maxSec * ESTIMATE_MARGIN) {
    throw tooLong(h.estimatedDurationSec, maxSec, 'from its size and bitrate it lasts about');
  }
  if (h.declaredDurationSec === 0) {
    throw new AudioError(
      'ZERO_LENGTH',
      `${display(h.container)} file contains no audio samples (its header declares 0 s)`,
    );
  }
  if (isWav(h) && !h.streaming && h.presentDurationSec < (h.declaredDurationSec ?? 0)) {
    throw new AudioError(
      'TRUNCATED',
      `truncated WAV file: the header declares ${fmtSec(h.declaredDurationSec ?? 0)} of audio but the data ends after ${fmtSec(h.presentDurationSec)}`,
    );
  }
}

/** The audio container of `bytes` (its first bytes suffice); NOT_AUDIO or UNSUPPORTED_CODEC otherwise. */
export function audioContainer(bytes: Uint8Array): Container {
  const sniffed = sniffContainer(bytes);
  if (sniffed.kind === 'unsupported') {
    throw new AudioError(
      'UNSUPPORTED_CODEC',
      `${sniffed.description} is not supported; accepted formats: ${ACCEPTED_FORMATS}`,
    );
  }
  if (sniffed.kind === 'other') {
    throw new AudioError(
      'NOT_AUDIO',
      `not an audio file (looks like ${sniffed.description}); accepted formats: ${ACCEPTED_FORMATS}`,
    );
  }
  return sniffed.container;
}

const isWav = (h: HeaderInfo): h is WavHeader => h.container === 'wav';

/**
 * Decode every channel at the source rate. Fails with EMPTY, NOT_AUDIO, UNSUPPORTED_CODEC,
 * CORRUPT, TRUNCATED, ZERO_LENGTH or TOO_LONG (see the module comment for the order).
 */
export async function decodeSource(
  bytes: Uint8Array,
  { maxDurationSec = DEFAULT_MAX_DURATION_SEC }: { maxDurationSec?: number } = {},
): Promise<DecodedSource> {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError('decode: expected the file contents as a Uint8Array');
  if (bytes.length === 0) {
    throw new AudioError('EMPTY', `empty input (0 bytes); expected an audio file: ${ACCEPTED_FORMATS}`);
  }
  // A Node Buffer's slice() is a view, not a copy, which breaks the WAV decoder's realignment
  // of odd-offset float data; a plain Uint8Array view over the same memory behaves.
  if (bytes.constructor !== Uint8Array)
    bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const container = audioContainer(bytes);
  const h = probeHeader(bytes, container);
  checkHeader(h, maxDurationSec);

  const { channels, sampleRate } = await decodeChunks(
    bytes,
    decoderName(container, h.codec),
    h,
    maxDurationSec,
  );
  const frames = channels.length ? channels[0].length : 0;
  const declared = h.declaredDurationSec;
  if (frames === 0) {
    if (declared !== null) {
      throw new AudioError(
        'TRUNCATED',
        `truncated ${display(h.container)} file: the header declares ${fmtSec(declared)} of audio but none of it could be decoded`,
      );
    }
    throw new AudioError('ZERO_LENGTH', `${display(h.container)} file contains no audio samples`);
  }
  for (const ch of channels) {
    const i = firstNonFinite(ch);
    if (i >= 0) {
      throw new AudioError(
        'CORRUPT',
        `damaged ${display(h.container)} file: sample ${i} is ${ch[i]} (not a finite number)`,
      );
    }
  }
  const durationSec = frames / sampleRate;
  if (declared !== null && durationSec < declared * 0.99 - TRUNCATION_TOLERANCE_SEC) {
    throw new AudioError(
      'TRUNCATED',
      `truncated ${display(h.container)} file: the header declares ${fmtSec(declared)} of audio but only ${fmtSec(durationSec)} could be decoded`,
    );
  }
  return {
    channels,
    source: {
      sampleRate,
      channels: h.channels ?? channels.length,
      codec: h.codec,
      container: h.container,
      durationSec,
    },
  };
}

/**
 * Index of the first NaN or infinite sample, -1 if none. A function of its own, so V8 optimises
 * the loop as a whole function: inside async decodeSource it was entered through on-stack
 * replacement and bailed out after it on 2 clips of 3 in a worker (1005 deoptimisations in 1500).
 */
function firstNonFinite(ch: Float32Array): number {
  for (let i = 0; i < ch.length; i++) if (!Number.isFinite(ch[i])) return i;
  return -1;
}

function checkOptions(o: Required<DecodeOptions>): void {
  const t = o.targetSampleRate;
  if (!Number.isInteger(t) || t < 1 || t > 192_000) {
    throw new RangeError(`decode: targetSampleRate must be an integer from 1 to 192000 Hz, got ${t}`);
  }
  if (!(o.maxDurationSec > 0))
    throw new RangeError(`decode: maxDurationSec must be > 0, got ${o.maxDurationSec}`);
  if (!(o.minDurationSec >= 0))
    throw new RangeError(`decode: minDurationSec must be >= 0, got ${o.minDurationSec}`);
}

/**
 * Decode `bytes` to mono Float32 at `targetSampleRate` (default 16 kHz). Multi-channel audio
 * is averaged; a mono source already at the target rate comes out exactly as decoded.
 */
export async function decodeAudioBytes(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const o: Required<DecodeOptions> = {
    targetSampleRate: opts.targetSampleRate ?? DEFAULT_TARGET_SAMPLE_RATE,
    maxDurationSec: opts.maxDurationSec ?? DEFAULT_MAX_DURATION_SEC,
    minDurationSec: opts.minDurationSec ?? 0,
    allowSilence: opts.allowSilence ?? false,
    resampleQuality: opts.resampleQuality ?? 'best',
  };
  checkOptions(o);
  const { channels, source } = await decodeSource(bytes, { maxDurationSec: o.maxDurationSec });
  if (source.durationSec < o.minDurationSec) {
    throw new AudioError(
      'TOO_SHORT',
      `audio is too short: ${fmtSec(source.durationSec)}, the minimum is ${fmtSec(o.minDurationSec)} (option minDurationSec)`,
    );
  }
  // Silence is judged per channel: opposite-phase channels can mix to zero without being silent.
  if (!o.allowSilence && channels.every((ch) => peak(ch) < DIGITAL_SILENCE_PEAK)) {
    throw new AudioError(
      'SILENT',
      `audio is digital silence (${fmtSec(source.durationSec)}, every sample below ${DIGITAL_SILENCE_PEAK} in magnitude); ` +
        'there is nothing to classify. Check the microphone (muted?) or the export',
    );
  }
  const mono = mixToMono(channels);
  const samples = await resample(mono, source.sampleRate, o.targetSampleRate, o.resampleQuality);
  return { samples, sampleRate: o.targetSampleRate, source };
}
