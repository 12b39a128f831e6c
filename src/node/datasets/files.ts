/** File-system helpers shared by the corpus readers: recursive listing and a cheap audio sniff. */
import { existsSync, statSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CorpusError } from './types.js';

export const AUDIO_EXTENSIONS = ['.wav', '.flac', '.mp3', '.ogg', '.opus', '.webm', '.m4a'];

export function isAudioName(name: string): boolean {
  return AUDIO_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** Fails with a clear message unless `dir` is an existing folder. */
export function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) throw new CorpusError(`${what} folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new CorpusError(`${what} path ${dir} is not a folder`);
}

/** All non-hidden files under `dir`, recursively, sorted, as absolute paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
  return out.sort();
}

/**
 * Cheap check that a file is readable audio without decoding it: returns why it is not, or
 * null. Recognises the headers of WAV, FLAC, MP3, Ogg, WebM/Matroska and MP4/M4A.
 */
export async function sniffAudio(path: string): Promise<string | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'file is missing' : `cannot open file (${code})`;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return 'empty file (0 bytes)';
    const b = Buffer.alloc(12);
    const { bytesRead } = await fh.read(b, 0, 12, 0);
    const ascii = (from: number, to: number) => b.toString('latin1', from, to);
    if (bytesRead >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') {
      return size <= 44 ? 'WAV file has a header but no audio data' : null;
    }
    if (ascii(0, 4) === 'fLaC' || ascii(0, 4) === 'OggS' || ascii(0, 3) === 'ID3') return null;
    if (b[0] === 0xff && (b[1] & 0xe0) === 0xe0) return null; // MPEG audio frame sync
    if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return null; // EBML (WebM)
    if (bytesRead >= 8 && ascii(4, 8) === 'ftyp') return null; // MP4 / M4A
    return 'not an audio file (unrecognised header; accepted: WAV, FLAC, MP3, Ogg/Opus, WebM, M4A)';
  } finally {
    await fh.close();
  }
}

/** Reads a TSV/CSV table (first line = header) into rows keyed by lower-cased column name. */
export function parseTable(text: string, where: string): Record<string, string>[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length === 0)
    throw new CorpusError(`${where} is empty (expected a header line such as "file,label,speaker")`);
  const sep = lines[0].includes('\t') ? '\t' : lines[0].includes(';') && !lines[0].includes(',') ? ';' : ',';
  const header = splitRow(lines[0], sep).map((h) => h.trim().toLowerCase());
  return lines.slice(1).map((line) => {
    const cells = splitRow(line, sep);
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = (cells[i] ?? '').trim()));
    return row;
  });
}

/** Splits one delimited line, honouring double quotes ("a,b" and "" escapes). */
export function splitRow(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
