import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The shared corpora live beside the checkout at ../shared/datasets (never committed). */
export const DATASETS_DIR = resolve(fileURLToPath(new URL('../../../shared/datasets', import.meta.url)));

/**
 * Path of a corpus folder (e.g. 'emodb'), or a skip message for node:test when it is absent:
 *   const emodb = corpus('emodb'); test('...', { skip: emodb.skip }, () => { ... emodb.dir ... })
 */
export function corpus(name: 'emodb' | 'ravdess'): { dir: string; skip: string | false } {
  const dir = resolve(DATASETS_DIR, name);
  const present = existsSync(resolve(dir, 'MANIFEST.tsv'));
  return {
    dir,
    skip: present
      ? false
      : `corpus '${name}' not found at ${dir} (../shared/datasets is absent on a fresh clone)`,
  };
}
