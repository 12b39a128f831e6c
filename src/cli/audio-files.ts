import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { EmovoxError } from '../core/errors.js';

/** Extensions picked up when a folder is walked (files named explicitly are always tried). */
export const AUDIO_EXTENSIONS = ['.wav', '.wave', '.flac', '.mp3', '.ogg', '.oga', '.opus', '.webm'];

export class PathError extends EmovoxError {
  constructor(message: string) {
    super('NO_SUCH_PATH', message);
  }
}

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (AUDIO_EXTENSIONS.includes(extname(e.name).toLowerCase())) out.push(p);
  }
}

/** Expands files and folders (walked recursively, sorted by name) into the list of audio files. */
export function collectAudioFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new PathError(`${p}: no such file or folder`);
    }
    if (isDir) walk(p, out);
    else out.push(p);
  }
  return out;
}
