/**
 * Ogg header probe: the first packet names the codec (Opus, Vorbis, ...) and its rate and
 * channels; the granule position of the last page gives the duration without decoding.
 */
import { AudioError } from '../audio-error.js';
import { ascii, view } from './bytes.js';
import type { HeaderInfo } from './source-info.js';

const OPUS_RATE_HZ = 48_000;

interface Page {
  offset: number;
  granule: number;
  serial: number;
  dataOffset: number;
}

function pageAt(b: Uint8Array, o: number): Page | null {
  if (o + 27 > b.length || ascii(b, o, 4) !== 'OggS') return null;
  const dv = view(b);
  const lo = dv.getUint32(o + 6, true);
  const hi = dv.getInt32(o + 10, true);
  const nSegments = b[o + 26];
  return {
    offset: o,
    granule: hi * 2 ** 32 + lo,
    serial: dv.getUint32(o + 14, true),
    dataOffset: o + 27 + nSegments,
  };
}

/** Granule position of the last page of stream `serial` with a known position, or null. */
function lastGranule(b: Uint8Array, serial: number): number | null {
  const stop = Math.max(0, b.length - 256 * 1024);
  for (let o = b.length - 27; o >= stop; o--) {
    if (b[o] !== 0x4f || ascii(b, o, 4) !== 'OggS') continue;
    const p = pageAt(b, o);
    if (p && p.serial === serial && p.granule >= 0) return p.granule;
  }
  return null;
}

export function probeOgg(b: Uint8Array): HeaderInfo {
  const first = pageAt(b, 0);
  if (!first || first.dataOffset + 8 > b.length) {
    throw new AudioError('TRUNCATED', 'truncated Ogg file: it ends inside its first page');
  }
  const d = first.dataOffset;
  const dv = view(b);
  const last = lastGranule(b, first.serial);
  if (ascii(b, d, 8) === 'OpusHead') {
    if (d + 19 > b.length)
      throw new AudioError('TRUNCATED', 'truncated Ogg Opus file: it ends inside OpusHead');
    const preSkip = dv.getUint16(d + 10, true);
    return {
      container: 'ogg',
      codec: 'opus',
      sampleRate: OPUS_RATE_HZ,
      channels: b[d + 9],
      declaredDurationSec: last === null ? null : Math.max(0, last - preSkip) / OPUS_RATE_HZ,
      estimatedDurationSec: null,
    };
  }
  if (ascii(b, d, 7) === '\x01vorbis') {
    if (d + 16 > b.length)
      throw new AudioError('TRUNCATED', 'truncated Ogg Vorbis file: it ends inside its header');
    const sampleRate = dv.getUint32(d + 12, true);
    return {
      container: 'ogg',
      codec: 'vorbis',
      sampleRate,
      channels: b[d + 11],
      declaredDurationSec: last === null || sampleRate === 0 ? null : last / sampleRate,
      estimatedDurationSec: null,
    };
  }
  const codec = ascii(b, d, 5) === '\x7fFLAC' ? 'flac' : ascii(b, d, 5) === 'Speex' ? 'speex' : 'unknown';
  throw new AudioError(
    'UNSUPPORTED_CODEC',
    `Ogg file with ${codec === 'unknown' ? 'an unknown codec' : `${codec} audio`} is not supported; Ogg files must contain Vorbis or Opus`,
  );
}
