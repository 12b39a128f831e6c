/**
 * The one error type for audio that cannot be used. `code` says what was wrong, the message
 * says it in words together with what is accepted. Platform-neutral.
 */
import { EmovoxError } from '../errors.js';

export type AudioErrorCode =
  | 'EMPTY'
  | 'NOT_AUDIO'
  | 'UNSUPPORTED_CODEC'
  | 'CORRUPT'
  | 'TRUNCATED'
  | 'ZERO_LENGTH'
  | 'TOO_LONG'
  | 'SILENT'
  | 'TOO_SHORT';

export class AudioError extends EmovoxError {
  declare readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** What the decoder accepts, for error messages. */
export const ACCEPTED_FORMATS =
  'WAV (PCM 8/16/24/32-bit, float 32/64-bit, µ-law, A-law, IMA/MS ADPCM), FLAC, MP3, ' +
  'Ogg Vorbis, Ogg Opus, WebM/Matroska (Opus, Vorbis), M4A/MP4 (AAC), AIFF';
