/**
 * MP4 / M4A header probe: walks the ISO-BMFF boxes to the first sound track's sample
 * description (codec, rate, channels) and its media header (duration). Fragmented files
 * (Safari's MediaRecorder) carry no duration in moov; that is reported as unknown.
 */
import { AudioError } from '../audio-error.js';
import { ascii, view } from './bytes.js';
import type { HeaderInfo } from './source-info.js';

interface Box {
  type: string;
  start: number;
  end: number;
}

function boxes(b: Uint8Array, start: number, end: number): Box[] {
  const dv = view(b);
  const out: Box[] = [];
  let o = start;
  while (o + 8 <= end) {
    let size = dv.getUint32(o);
    const type = ascii(b, o + 4, 4);
    let header = 8;
    if (size === 1 && o + 16 <= end) {
      size = dv.getUint32(o + 8) * 2 ** 32 + dv.getUint32(o + 12);
      header = 16;
    } else if (size === 0) size = end - o;
    if (size < header) break;
    out.push({ type, start: o + header, end: Math.min(end, o + size) });
    o += size;
  }
  return out;
}

const find = (b: Uint8Array, parent: Box, type: string): Box | undefined =>
  boxes(b, parent.start, parent.end).find((x) => x.type === type);

const CODECS: Record<string, string> = {
  mp4a: 'aac',
  alac: 'alac',
  Opus: 'opus',
  fLaC: 'flac',
  '.mp3': 'mp3',
  'ac-3': 'ac3',
};

export function probeMp4(b: Uint8Array): HeaderInfo {
  const dv = view(b);
  const moov = boxes(b, 0, b.length).find((x) => x.type === 'moov');
  if (!moov) throw new AudioError('TRUNCATED', 'truncated MP4 file: it has no moov header box');
  for (const trak of boxes(b, moov.start, moov.end).filter((x) => x.type === 'trak')) {
    const mdia = find(b, trak, 'mdia');
    const hdlr = mdia && find(b, mdia, 'hdlr');
    if (!mdia || !hdlr || ascii(b, hdlr.start + 8, 4) !== 'soun') continue;
    const mdhd = find(b, mdia, 'mdhd');
    let duration: number | null = null;
    if (mdhd) {
      const v1 = b[mdhd.start] === 1;
      const scale = dv.getUint32(mdhd.start + (v1 ? 20 : 12));
      const units = v1
        ? dv.getUint32(mdhd.start + 24) * 2 ** 32 + dv.getUint32(mdhd.start + 28)
        : dv.getUint32(mdhd.start + 16);
      if (scale > 0 && units > 0 && units !== 0xffffffff) duration = units / scale;
    }
    const minf = find(b, mdia, 'minf');
    const stbl = minf && find(b, minf, 'stbl');
    const stsd = stbl && find(b, stbl, 'stsd');
    if (!stsd || stsd.start + 8 + 36 > b.length) break;
    const entry = stsd.start + 8; // version/flags + entry count
    const format = ascii(b, entry + 4, 4);
    return {
      container: 'mp4',
      codec: CODECS[format] ?? format,
      sampleRate: dv.getUint32(entry + 32) / 65536,
      // The sample entry's channelcount is a fixed 2 for AAC in ISO files; the real count is in
      // the codec config, so it is left to the decoder.
      channels: format === 'mp4a' ? null : dv.getUint16(entry + 24),
      declaredDurationSec: duration,
      estimatedDurationSec: null,
    };
  }
  throw new AudioError('NOT_AUDIO', 'MP4 file has no audio track');
}
