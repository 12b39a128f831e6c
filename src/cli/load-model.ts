import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE } from '../core/bundle.js';
import { Predictor } from '../core/predict.js';
import { initBackend } from '../node/backend.js';
import { loadBundleFromDir } from '../node/bundle-io.js';
import { EmovoxError } from '../core/errors.js';

/** The bundle used when no --model is given: ./models/default, else the package's own models/default. */
export const DEFAULT_MODEL_DIR = 'models/default';
const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

export class ModelNotFoundError extends EmovoxError {
  constructor(message: string) {
    super('NO_MODEL', message);
  }
}

/** Resolves --model (or the default) to an existing bundle folder, or throws a clear error. */
export function resolveModelDir(dir?: string): string {
  const candidates = dir
    ? [resolve(dir)]
    : [resolve(DEFAULT_MODEL_DIR), resolve(PACKAGE_ROOT, DEFAULT_MODEL_DIR)];
  const found = candidates.find((c) => existsSync(join(c, MANIFEST_FILE)));
  if (!found) {
    throw new ModelNotFoundError(
      `no model bundle at ${candidates[0]} (no ${MANIFEST_FILE}); train one with emovox train or pass --model DIR`,
    );
  }
  return found;
}

export interface LoadedModel {
  dir: string;
  /** The bundle folder's name, used as the model id in answers and stored rows. */
  id: string;
  predictor: Predictor;
}

/** Sets up the tfjs backend and loads the bundle at `dir` (default models/default). */
export async function loadModel(dir?: string, backend: 'wasm' | 'cpu' = 'wasm'): Promise<LoadedModel> {
  const found = resolveModelDir(dir);
  await initBackend(backend);
  const predictor = Predictor.fromBundle(await loadBundleFromDir(found));
  return { dir: found, id: basename(found), predictor };
}
