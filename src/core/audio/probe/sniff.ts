/**
 * Recognise a container from its magic bytes. Audio containers get a name the probes and
 * decoders understand; a few common non-audio files get a description for the error message.
 */
import { ascii, id3v2Size } from './bytes.js';
import { findMp3Frame } from './mp3.js';

export type Container = 'wav' | 'flac' | 'mp3' | 'ogg' | 'webm' | 'matroska' | 'mp4' | 'aiff';

export type Sniffed =
  | { kind: 'audio'; container: Container }
  | { kind: 'unsupported'; description: string }
  | { kind: 'other'; description: string };

const OTHER_MAGIC: [string, string][] = [
  ['%PDF', 'a PDF document'],
  ['\x89PNG', 'a PNG image'],
  ['\xFF\xD8\xFF', 'a JPEG image'],
  ['GIF8', 'a GIF image'],
  ['PK\x03\x04', 'a ZIP archive (or an Office document)'],
  ['\x1F\x8B', 'a gzip archive'],
  ['{', 'a JSON or text file'],
  ['<', 'an HTML/XML or text file'],
];

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2) printable++;
  }
  return printable / n > 0.95;
}

/** EBML DocType ('webm' or 'matroska'), read from the EBML header. */
function ebmlDocType(b: Uint8Array): string {
  const i = ascii(b, 0, Math.min(b.length, 64)).indexOf('\x42\x82');
  if (i < 0 || i + 3 > b.length) return 'matroska';
  const len = b[i + 2] & 0x7f;
  return ascii(b, i + 3, len);
}

export function sniffContainer(b: Uint8Array): Sniffed {
  const m4 = ascii(b, 0, 4);
  if (m4 === 'RIFF' && ascii(b, 8, 4) === 'WAVE') return { kind: 'audio', container: 'wav' };
  if (m4 === 'RIFF' && ascii(b, 8, 4) === 'AVI ') return { kind: 'other', description: 'an AVI video' };
  if (m4 === 'RF64' || m4 === 'BW64') {
    return { kind: 'unsupported', description: `${m4} WAV (the 64-bit variant for files over 4 GB)` };
  }
  if (m4 === 'RIFF')
    return { kind: 'other', description: `a RIFF file of type '${ascii(b, 8, 4)}', not WAVE` };
  if (m4 === 'OggS') return { kind: 'audio', container: 'ogg' };
  if (m4 === '\x1A\x45\xDF\xA3')
    return { kind: 'audio', container: ebmlDocType(b) === 'webm' ? 'webm' : 'matroska' };
  if (ascii(b, 4, 4) === 'ftyp') return { kind: 'audio', container: 'mp4' };
  if (m4 === 'FORM' && /^AIF[FC]$/.test(ascii(b, 8, 4))) return { kind: 'audio', container: 'aiff' };
  const afterId3 = id3v2Size(b);
  if (ascii(b, afterId3, 4) === 'fLaC') return { kind: 'audio', container: 'flac' };
  if (findMp3Frame(b, afterId3, afterId3 > 0 ? 4096 : 0) >= 0) return { kind: 'audio', container: 'mp3' };
  if (afterId3 > 0) return { kind: 'other', description: 'an ID3 tag followed by no recognisable audio' };
  for (const [magic, description] of OTHER_MAGIC) {
    if (ascii(b, 0, magic.length) === magic) return { kind: 'other', description };
  }
  if (looksLikeText(b)) return { kind: 'other', description: 'a text file' };
  return { kind: 'other', description: 'unrecognised binary data' };
}
