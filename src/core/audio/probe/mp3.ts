/**
 * MPEG audio (MP3) header probe: first frame header, then the Xing/Info or VBRI frame count
 * when present (exact duration), otherwise a size / bitrate estimate.
 */
import { AudioError } from '../audio-error.js';
import { ascii, id3v2Size, view } from './bytes.js';
import type { HeaderInfo } from './source-info.js';

const BITRATES_KBPS: Record<string, number[]> = {
  // [version 1 | 2 (incl. 2.5)][layer] -> table by index 1..14
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES_HZ: Record<number, number[]> = {
  1: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  25: [11025, 12000, 8000],
};

export interface MpegFrameHeader {
  version: 1 | 2 | 25;
  layer: 1 | 2 | 3;
  bitrateKbps: number;
  sampleRate: number;
  channels: number;
  samplesPerFrame: number;
  frameBytes: number;
}

/** Parse the 4-byte MPEG audio frame header at `o`, or null if it is not a valid one. */
export function parseFrameHeader(b: Uint8Array, o: number): MpegFrameHeader | null {
  if (o + 4 > b.length || b[o] !== 0xff || (b[o + 1] & 0xe0) !== 0xe0) return null;
  const v = (b[o + 1] >> 3) & 3; // 0: 2.5, 1: reserved, 2: 2, 3: 1
  const l = (b[o + 1] >> 1) & 3; // 1: III, 2: II, 3: I
  const bi = (b[o + 2] >> 4) & 15;
  const si = (b[o + 2] >> 2) & 3;
  if (v === 1 || l === 0 || bi === 0 || bi === 15 || si === 3) return null;
  const version = v === 3 ? 1 : v === 2 ? 2 : 25;
  const layer = (4 - l) as 1 | 2 | 3;
  const bitrateKbps = BITRATES_KBPS[`${version === 1 ? 1 : 2}-${layer}`][bi];
  const sampleRate = RATES_HZ[version][si];
  const padding = (b[o + 2] >> 1) & 1;
  const channels = b[o + 3] >> 6 === 3 ? 1 : 2;
  const samplesPerFrame = layer === 1 ? 384 : layer === 3 && version !== 1 ? 576 : 1152;
  const frameBytes =
    layer === 1
      ? (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + padding) * 4
      : Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  return { version, layer, bitrateKbps, sampleRate, channels, samplesPerFrame, frameBytes };
}

/**
 * Offset of the first frame header at or after `from` that is followed by another valid frame
 * header (two in a row rules out chance 0xFFE bit patterns), searching `maxScanBytes` bytes; -1
 * when none. A single frame that ends exactly at the end of the data also counts.
 */
export function findMp3Frame(b: Uint8Array, from = 0, maxScanBytes = 0): number {
  const end = Math.min(b.length - 4, from + maxScanBytes);
  for (let o = from; o <= end; o++) {
    const h = parseFrameHeader(b, o);
    if (!h) continue;
    const next = o + h.frameBytes;
    if (next === b.length || parseFrameHeader(b, next)) return o;
  }
  return -1;
}

/**
 * Samples stated by a Xing/Info header (frame count, less the LAME tag's encoder delay and
 * padding when present) or a VBRI header; null when the first frame has neither.
 */
function vbrSampleCount(b: Uint8Array, o: number, h: MpegFrameHeader): number | null {
  const dv = view(b);
  const sideInfo = h.version === 1 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  const x = o + 4 + sideInfo;
  const tag = ascii(b, x, 4);
  if ((tag === 'Xing' || tag === 'Info') && x + 12 <= b.length) {
    const flags = dv.getUint32(x + 4);
    if (!(flags & 1)) return null;
    const frames = dv.getUint32(x + 8);
    // LAME/Lavc extension after the optional fields: encoder delay and padding, 12 bits each.
    const lame = x + 8 + 4 + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
    let trim = 0;
    if (lame + 24 <= b.length && /^(LAME|Lavc|Lavf|GOGO)/.test(ascii(b, lame, 4))) {
      const d = lame + 21;
      trim = ((b[d] << 4) | (b[d + 1] >> 4)) + (((b[d + 1] & 15) << 8) | b[d + 2]);
    }
    return Math.max(0, frames * h.samplesPerFrame - trim);
  }
  if (ascii(b, o + 36, 4) === 'VBRI' && o + 36 + 18 <= b.length)
    return dv.getUint32(o + 36 + 14) * h.samplesPerFrame;
  return null;
}

export function probeMp3(b: Uint8Array): HeaderInfo {
  const start = id3v2Size(b);
  const o = findMp3Frame(b, start, 64 * 1024);
  if (o < 0)
    throw new AudioError('CORRUPT', 'MP3 file: no valid MPEG audio frame found near the start of the file');
  const h = parseFrameHeader(b, o)!;
  const samples = vbrSampleCount(b, o, h);
  const codec = h.layer === 3 ? 'mp3' : h.layer === 2 ? 'mp2' : 'mp1';
  return {
    container: 'mp3',
    codec,
    sampleRate: h.sampleRate,
    channels: h.channels,
    declaredDurationSec: samples === null ? null : samples / h.sampleRate,
    estimatedDurationSec: ((b.length - o) * 8) / (h.bitrateKbps * 1000),
  };
}
