/**
 * Utterance feature vectors for the classical models, computed once per file and cached on
 * disk (keyed by the file's path, size, modification time and the feature spec), so that
 * comparing models or settings does not re-extract the same features.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classicalFeatures, type ClassicalFeatureSpec } from '../../core/classical/featurize.js';
import { descriptorSpecRecord } from '../../core/classical/descriptor-spec.js';
import type { Matrix } from '../../core/classical/matrix.js';
import { loadMono } from './load-audio.js';

export interface FeatureTable {
  x: Matrix;
  names: string[];
  /** Seconds spent extracting (0 when everything came from the cache). */
  seconds: number;
  cached: number;
}

export const DEFAULT_FEATURE_CACHE_DIR = join(tmpdir(), 'emovox-feature-cache');

function cacheKey(path: string, spec: ClassicalFeatureSpec): string {
  const st = statSync(path);
  return createHash('sha256')
    .update(
      JSON.stringify({ path, size: st.size, mtime: st.mtimeMs, spec: descriptorSpecRecord(spec), v: 5 }),
    )
    .digest('hex')
    .slice(0, 32);
}

/** Feature vectors of every file (rows in the order of paths); cacheDir null disables the cache. */
export async function featureTable(
  paths: readonly string[],
  spec: ClassicalFeatureSpec,
  cacheDir: string | null = DEFAULT_FEATURE_CACHE_DIR,
  onProgress?: (done: number, total: number) => void,
): Promise<FeatureTable> {
  if (cacheDir) mkdirSync(cacheDir, { recursive: true });
  let names: string[] = [];
  const rows: Float64Array[] = [];
  let seconds = 0;
  let cached = 0;
  for (const [i, path] of paths.entries()) {
    const file = cacheDir ? join(cacheDir, `${cacheKey(path, spec)}.json`) : null;
    let hit: { names: string[]; values: number[] } | null = null;
    if (file) {
      try {
        hit = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        hit = null;
      }
    }
    if (hit) {
      cached++;
      names = hit.names;
      rows.push(Float64Array.from(hit.values));
    } else {
      const t0 = performance.now();
      const samples = await loadMono(path, spec.sampleRate);
      const f = classicalFeatures(samples, spec);
      seconds += (performance.now() - t0) / 1000;
      names = f.names;
      rows.push(f.values);
      if (file) {
        writeFileSync(`${file}.tmp`, JSON.stringify({ names: f.names, values: Array.from(f.values) }));
        renameSync(`${file}.tmp`, file);
      }
    }
    if (rows[i].length !== names.length) throw new Error(`feature length changed at ${path}`);
    onProgress?.(i + 1, paths.length);
  }
  const d = names.length;
  const x: Matrix = { data: new Float64Array(rows.length * d), rows: rows.length, cols: d };
  rows.forEach((r, i) => x.data.set(r, i * d));
  return { x, names, seconds, cached };
}
