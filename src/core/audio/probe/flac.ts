/** FLAC header probe: the STREAMINFO block states rate, channels, bit depth and total samples. */
import { AudioError } from '../audio-error.js';
import { ascii, id3v2Size } from './bytes.js';
import type { HeaderInfo } from './source-info.js';

export function probeFlac(b: Uint8Array): HeaderInfo {
  const o = id3v2Size(b);
  if (ascii(b, o, 4) !== 'fLaC') throw new AudioError('NOT_AUDIO', 'not a FLAC file (no fLaC marker)');
  const blockType = b[o + 4] & 0x7f;
  const s = o + 8; // STREAMINFO body
  if (b.length < s + 18) {
    throw new AudioError('TRUNCATED', 'truncated FLAC file: it ends inside its STREAMINFO header');
  }
  if (blockType !== 0)
    throw new AudioError('CORRUPT', 'damaged FLAC file: the first metadata block is not STREAMINFO');
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 7) + 1;
  const total =
    (b[s + 13] & 15) * 2 ** 32 +
    ((b[s + 14] << 24) >>> 0) +
    ((b[s + 15] << 16) | (b[s + 16] << 8) | b[s + 17]);
  if (sampleRate === 0)
    throw new AudioError('CORRUPT', 'damaged FLAC file: STREAMINFO gives a sample rate of 0 Hz');
  return {
    container: 'flac',
    codec: 'flac',
    sampleRate,
    channels,
    declaredDurationSec: total === 0 ? null : total / sampleRate, // 0 means "unknown" in FLAC
    estimatedDurationSec: null,
  };
}
