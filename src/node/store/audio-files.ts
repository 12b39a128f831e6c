import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Prefix of files being written; anything carrying it at start-up is debris from a crash. */
export const TEMP_PREFIX = '.tmp-';

/** Audio file extension for a MIME type; unknown types keep their bytes under `.bin`. */
export function extensionForMime(mimeType: string): string {
  const base = mimeType.split(';')[0].trim().toLowerCase();
  const known: Record<string, string> = {
    'audio/wav': 'wav',
    'audio/wave': 'wav',
    'audio/x-wav': 'wav',
    'audio/vnd.wave': 'wav',
    'audio/flac': 'flac',
    'audio/x-flac': 'flac',
    'audio/mpeg': 'mp3',
    'audio/mp3': 'mp3',
    'audio/ogg': 'ogg',
    'audio/opus': 'opus',
    'audio/webm': 'webm',
    'video/webm': 'webm',
    'audio/mp4': 'm4a',
    'audio/aac': 'aac',
  };
  return known[base] ?? 'bin';
}

/** Fsyncs a directory so a rename inside it survives a power loss (no-op where unsupported). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot open or fsync directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `bytes` to `dir/name` atomically: a temp file in the same directory, fsync, then
 * rename over the final name. Readers (and a crash) see either no file or the whole file.
 */
export function writeFileAtomic(dir: string, name: string, bytes: Uint8Array): string {
  const finalPath = join(dir, name);
  const tempPath = join(dir, `${TEMP_PREFIX}${name}`);
  const fd = openSync(tempPath, 'w', 0o644);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tempPath, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tempPath, finalPath);
  fsyncDir(dir);
  return finalPath;
}

/**
 * Removes temp files and audio files whose id (the name before the first dot) is not in
 * `liveIds`. Returns the names removed.
 */
export function sweepOrphans(dir: string, liveIds: ReadonlySet<string>): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const id = name.split('.')[0];
    if (name.startsWith(TEMP_PREFIX) || !liveIds.has(id)) {
      rmSync(join(dir, name), { force: true, recursive: true });
      removed.push(name);
    }
  }
  return removed;
}
