/**
 * Audio files and bytes -> Float32 mono at a target rate (default 16 kHz), with typed errors.
 * The decoding itself is platform-neutral (src/core/audio/decode-audio.ts); this module adds
 * reading from disk and names the file in error messages.
 */
import { AudioError } from '../core/audio/audio-error.js';
import {
  decodeAudioBytes,
  decodeSource,
  type DecodedAudio,
  type DecodedSource,
  type DecodeOptions,
} from '../core/audio/decode-audio.js';
import { readInputFile } from './input-file.js';

export { ACCEPTED_FORMATS, AudioError, type AudioErrorCode } from '../core/audio/audio-error.js';
export {
  DEFAULT_MAX_DURATION_SEC,
  DEFAULT_TARGET_SAMPLE_RATE,
  type DecodedAudio,
  type DecodedSource,
  type DecodeOptions,
  type SourceInfo,
} from '../core/audio/decode-audio.js';

/** Decode audio file contents (WAV, FLAC, MP3, Ogg Vorbis/Opus, WebM, M4A) to mono at the target rate. */
export function decodeBytes(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  return decodeAudioBytes(bytes, opts);
}

/** Re-throw an AudioError with the file's path in front of its message. */
function withPath(path: string, err: unknown): never {
  if (err instanceof AudioError) throw new AudioError(err.code, `${path}: ${err.message}`, { cause: err });
  throw err;
}

/** Decode the audio file at `path`; errors name the file. */
export async function decodeFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const bytes = await readInputFile(path);
  return decodeAudioBytes(bytes, opts).catch((err: unknown) => withPath(path, err));
}

/** Every channel of the file at its own rate, plus what the source is (for `emovox info`). */
export async function decodeFileSource(
  path: string,
  { maxDurationSec = Infinity }: { maxDurationSec?: number } = {},
): Promise<DecodedSource> {
  const bytes = await readInputFile(path);
  return decodeSource(bytes, { maxDurationSec }).catch((err: unknown) => withPath(path, err));
}
