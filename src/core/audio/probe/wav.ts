/**
 * WAV (RIFF/WAVE) header reader. Written here rather than taken from the decoder library
 * because the error cases need precise answers the library does not give: a data chunk cut
 * short, a format tag it cannot decode, a header without data. The samples themselves are
 * decoded by @audio/decode-wav.
 */
import { AudioError } from '../audio-error.js';
import { ascii, view } from './bytes.js';
import type { HeaderInfo } from './source-info.js';

export interface WavHeader extends HeaderInfo {
  formatTag: number;
  bitsPerSample: number;
  blockAlign: number;
  dataOffset: number;
  /** Bytes of sample data actually present (never past the declared size). */
  dataBytes: number;
  /** Duration of the sample data actually present in the file. */
  presentDurationSec: number;
  /** True when the sizes are placeholders written by a streaming encoder (pipe output). */
  streaming: boolean;
}

/** Format tags the decoder handles, by ffmpeg-style codec name per bit depth. */
function codecName(tag: number, bits: number): string | null {
  if (tag === 1 && [8, 16, 24, 32].includes(bits)) return bits === 8 ? 'pcm_u8' : `pcm_s${bits}le`;
  if (tag === 3 && (bits === 32 || bits === 64)) return `pcm_f${bits}le`;
  if (tag === 6) return 'pcm_alaw';
  if (tag === 7) return 'pcm_mulaw';
  if (tag === 2) return 'adpcm_ms';
  if (tag === 0x11) return 'adpcm_ima_wav';
  return null;
}

const KNOWN_UNSUPPORTED: Record<number, string> = {
  0x22: 'DSP Group TrueSpeech',
  0x31: 'GSM 6.10',
  0x40: 'G.721 ADPCM',
  0x45: 'G.726 ADPCM',
  0x50: 'MPEG audio',
  0x55: 'MPEG Layer 3 (MP3)',
  0x64: 'G.726 ADPCM',
  0x65: 'G.722 ADPCM',
  0xff: 'AAC',
  0x161: 'Windows Media Audio',
  0x2000: 'AC-3',
};

/** RIFF sizes that streaming writers (ffmpeg, sox, espeak-ng to a pipe) leave in the header. */
const PLACEHOLDER_SIZES = new Set([0xffffffff, 0x7ffff000]);

const SUPPORTED_WAV =
  'supported WAV encodings: PCM 8/16/24/32-bit integer, IEEE float 32/64-bit, µ-law, A-law, IMA ADPCM, MS ADPCM';

function isChunkId(b: Uint8Array, o: number): boolean {
  if (o + 4 > b.length) return false;
  for (let i = o; i < o + 4; i++) if (b[i] < 0x20 || b[i] > 0x7e) return false;
  return true;
}

export function probeWav(b: Uint8Array): WavHeader {
  if (ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'WAVE') {
    throw new AudioError('NOT_AUDIO', 'not a WAV file (no RIFF/WAVE header)');
  }
  const dv = view(b);
  const riffSize = dv.getUint32(4, true);
  let fmt: Pick<
    WavHeader,
    'container' | 'codec' | 'sampleRate' | 'channels' | 'formatTag' | 'bitsPerSample' | 'blockAlign'
  > | null = null;
  let spb = 0; // ADPCM samples per block
  let o = 12;
  while (o + 8 <= b.length) {
    const id = ascii(b, o, 4);
    const size = dv.getUint32(o + 4, true);
    if (id === 'fmt ') {
      if (size < 16 || o + 8 + 16 > b.length)
        throw new AudioError('TRUNCATED', 'truncated WAV file: it ends inside its fmt chunk');
      let tag = dv.getUint16(o + 8, true);
      if (tag === 0xfffe && size >= 40 && o + 8 + 26 <= b.length) tag = dv.getUint16(o + 8 + 24, true); // EXTENSIBLE
      const channels = dv.getUint16(o + 10, true);
      const sampleRate = dv.getUint32(o + 12, true);
      const blockAlign = dv.getUint16(o + 20, true);
      const bitsPerSample = dv.getUint16(o + 22, true);
      if (channels === 0 || sampleRate === 0 || blockAlign === 0) {
        throw new AudioError(
          'CORRUPT',
          `damaged WAV header: ${channels} channels, ${sampleRate} Hz, block size ${blockAlign} bytes`,
        );
      }
      const codec = codecName(tag, bitsPerSample);
      if (!codec) {
        const hex = `0x${tag.toString(16).padStart(4, '0')}`;
        const what =
          KNOWN_UNSUPPORTED[tag] ??
          (tag === 1 || tag === 3 ? `${bitsPerSample}-bit samples` : 'an unknown codec');
        throw new AudioError(
          'UNSUPPORTED_CODEC',
          `WAV format ${hex} (${what}) is not supported; ${SUPPORTED_WAV}`,
        );
      }
      if (tag === 2 || tag === 0x11) {
        const cb = size >= 20 ? dv.getUint16(o + 24, true) : 0;
        spb = cb >= 2 && o + 28 <= b.length ? dv.getUint16(o + 26, true) : 0;
        if (!spb)
          spb =
            tag === 0x11
              ? 1 + (blockAlign / channels - 4) * 2
              : 2 + ((blockAlign - 7 * channels) * 2) / channels;
      }
      fmt = { container: 'wav', codec, sampleRate, channels, formatTag: tag, bitsPerSample, blockAlign };
    } else if (id === 'data') {
      if (!fmt)
        throw new AudioError('CORRUPT', 'damaged WAV file: the data chunk comes before any fmt chunk');
      const dataOffset = o + 8;
      const present = b.length - dataOffset;
      const streaming =
        PLACEHOLDER_SIZES.has(size) || (size === 0 && PLACEHOLDER_SIZES.has(riffSize) && present > 0);
      const framesOf = (bytes: number): number =>
        spb ? Math.floor(bytes / fmt!.blockAlign) * spb : Math.floor(bytes / fmt!.blockAlign);
      const rate = fmt.sampleRate!;
      const available = Math.min(present, streaming ? present : size);
      return {
        ...fmt,
        dataOffset,
        dataBytes: available,
        streaming,
        // The caller checks the declared length against its limit before calling a cut-off file truncated.
        declaredDurationSec: framesOf(streaming ? present : size) / rate,
        presentDurationSec: framesOf(available) / rate,
        estimatedDurationSec: null,
      };
    }
    // Chunks are word-aligned, but some writers forget the pad byte after an odd size.
    let next = o + 8 + size + (size & 1);
    if (size & 1 && !isChunkId(b, next) && isChunkId(b, next - 1)) next -= 1;
    o = next;
  }
  if (!fmt) throw new AudioError('TRUNCATED', 'truncated WAV file: it ends before its fmt chunk');
  throw new AudioError('TRUNCATED', 'truncated WAV file: it has a header but no data chunk');
}
