/**
 * WebM / Matroska header probe: walks the EBML tree down to Segment > Info (duration) and
 * Segment > Tracks (codec, rate, channels of the first audio track), stopping at the first
 * Cluster. Live recordings (browser MediaRecorder) have unknown element sizes and no
 * duration; both are handled.
 */
import { AudioError } from '../audio-error.js';
import { ascii, view } from './bytes.js';
import type { HeaderInfo } from './source-info.js';

const ID = {
  EBML: 0x1a45dfa3,
  DocType: 0x4282,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackType: 0x83,
  CodecID: 0x86,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Cluster: 0x1f43b675,
} as const;

const CODECS: Record<string, string> = {
  A_OPUS: 'opus',
  A_VORBIS: 'vorbis',
  A_AAC: 'aac',
  'A_MPEG/L3': 'mp3',
  A_FLAC: 'flac',
  'A_PCM/INT/LIT': 'pcm_s16le',
  'A_PCM/FLOAT/IEEE': 'pcm_f32le',
  A_ALAC: 'alac',
  A_AC3: 'ac3',
};

interface Element {
  id: number;
  dataOffset: number;
  /** End of the element's data, the parent's end when the size is unknown. */
  end: number;
}

function readElement(b: Uint8Array, o: number, parentEnd: number): Element | null {
  if (o >= parentEnd) return null;
  const idLen = Math.clz32(b[o]) - 23; // leading zeros within the byte + 1
  if (idLen < 1 || idLen > 4 || o + idLen >= parentEnd) return null;
  let id = 0;
  for (let i = 0; i < idLen; i++) id = id * 256 + b[o + i];
  const s = o + idLen;
  const sizeLen = Math.clz32(b[s]) - 23;
  if (sizeLen < 1 || sizeLen > 8 || s + sizeLen > parentEnd) return null;
  let size = b[s] & (0xff >> sizeLen);
  let allOnes = size === 0xff >> sizeLen;
  for (let i = 1; i < sizeLen; i++) {
    size = size * 256 + b[s + i];
    if (b[s + i] !== 0xff) allOnes = false;
  }
  const dataOffset = s + sizeLen;
  return { id, dataOffset, end: allOnes ? parentEnd : Math.min(parentEnd, dataOffset + size) };
}

function children(b: Uint8Array, parent: { dataOffset: number; end: number }): Element[] {
  const out: Element[] = [];
  let o = parent.dataOffset;
  for (let e = readElement(b, o, parent.end); e; e = readElement(b, o, parent.end)) {
    out.push(e);
    if (e.id === ID.Cluster) break; // audio data follows; headers are done
    o = e.end;
  }
  return out;
}

function uint(b: Uint8Array, e: Element): number {
  let v = 0;
  for (let i = e.dataOffset; i < e.end; i++) v = v * 256 + b[i];
  return v;
}

function float(b: Uint8Array, e: Element): number {
  const n = e.end - e.dataOffset;
  const dv = view(b);
  return n === 4 ? dv.getFloat32(e.dataOffset) : n === 8 ? dv.getFloat64(e.dataOffset) : NaN;
}

export function probeMatroska(b: Uint8Array): HeaderInfo {
  const top = children(b, { dataOffset: 0, end: b.length });
  const header = top.find((e) => e.id === ID.EBML);
  const docTypeEl = header && children(b, header).find((e) => e.id === ID.DocType);
  const container =
    docTypeEl && ascii(b, docTypeEl.dataOffset, docTypeEl.end - docTypeEl.dataOffset) === 'webm'
      ? 'webm'
      : 'matroska';
  const segment = top.find((e) => e.id === ID.Segment);
  if (!segment) throw new AudioError('TRUNCATED', `truncated ${container} file: it ends before its Segment`);
  const parts = children(b, segment);
  let timecodeScale = 1_000_000;
  let duration: number | null = null;
  const info = parts.find((e) => e.id === ID.Info);
  if (info) {
    for (const e of children(b, info)) {
      if (e.id === ID.TimecodeScale) timecodeScale = uint(b, e);
      if (e.id === ID.Duration) duration = float(b, e);
    }
  }
  const tracks = parts.find((e) => e.id === ID.Tracks);
  if (!tracks)
    throw new AudioError('TRUNCATED', `truncated ${container} file: it ends before its track list`);
  for (const entry of children(b, tracks).filter((e) => e.id === ID.TrackEntry)) {
    const fields = children(b, entry);
    const type = fields.find((e) => e.id === ID.TrackType);
    if (!type || uint(b, type) !== 2) continue; // 2 = audio
    const codecEl = fields.find((e) => e.id === ID.CodecID);
    const codecId = codecEl
      ? ascii(b, codecEl.dataOffset, codecEl.end - codecEl.dataOffset).replace(/\0+$/, '')
      : '?';
    const audio = fields.find((e) => e.id === ID.Audio);
    let sampleRate: number | null = null;
    let channels: number | null = null;
    for (const e of audio ? children(b, audio) : []) {
      if (e.id === ID.SamplingFrequency) sampleRate = float(b, e);
      if (e.id === ID.Channels) channels = uint(b, e);
    }
    return {
      container,
      codec: CODECS[codecId] ?? codecId,
      sampleRate: codecId === 'A_OPUS' ? 48_000 : sampleRate,
      channels: channels ?? 1,
      declaredDurationSec:
        duration !== null && Number.isFinite(duration) ? (duration * timecodeScale) / 1e9 : null,
      estimatedDurationSec: null,
    };
  }
  throw new AudioError('NOT_AUDIO', `${container} file has no audio track`);
}
