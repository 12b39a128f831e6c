import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE } from '../core/bundle.js';

/** Where the CLI looks first when no --model is given: a models/default in the working directory. */
export const LOCAL_DEFAULT_MODEL_DIR = 'models/default';

/**
 * The model a command loads: --model when given, else ./models/default when the working
 * directory has one (a bundle you trained there), else undefined: the package's bundled default.
 */
export function modelSource(option?: string, cwd = process.cwd()): string | undefined {
  if (option !== undefined) return option;
  const local = resolve(cwd, LOCAL_DEFAULT_MODEL_DIR);
  return existsSync(join(local, MANIFEST_FILE)) ? local : undefined;
}
