import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

/** The shared corpora live beside the checkout at ../shared/datasets (never committed). */
export const DATASETS_DIR = resolve(fileURLToPath(new URL('../../../shared/datasets', import.meta.url)));

/**
 * Path of a corpus folder (e.g. 'emodb'), or a skip message for node:test when it is absent:
 *   const emodb = corpus('emodb'); test('...', { skip: emodb.skip }, () => { ... emodb.dir ... })
 */
export function corpus(name: 'emodb' | 'ravdess' | 'ased' | 'noise'): { dir: string; skip: string | false } {
  const dir = resolve(DATASETS_DIR, name);
  const present = existsSync(resolve(dir, 'MANIFEST.tsv'));
  return {
    dir,
    skip: present
      ? false
      : `corpus '${name}' not found at ${dir} (../shared/datasets is absent on a fresh clone)`,
  };
}

/** A temporary folder holding `files` (relative path -> contents), for reader tests. */
export function tempTree(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'emovox-corpus-'));
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  }
  return root;
}
