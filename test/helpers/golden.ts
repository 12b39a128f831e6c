/**
 * Golden vectors of the shipped bundles: for every bundle in models/ and every file in samples/,
 * the descriptor vector (bundles with a classical member) or the model's input frames (deep
 * bundles) and the class probabilities. `npm run golden` (scripts/make-golden.ts) writes them to
 * test/fixtures/golden/<bundle>.json; test/unit/predict/golden.test.ts recomputes and compares.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE } from '../../src/core/bundle.js';
import { Predictor, signalToModelFrames } from '../../src/core/predict.js';
import { initBackend } from '../../src/node/backend.js';
import { loadBundleFromDir } from '../../src/node/bundle-io.js';
import { decodeFile } from '../../src/node/decode.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MODELS_DIR = join(ROOT, 'models');
export const SAMPLES_DIR = join(ROOT, 'samples');
export const GOLDEN_DIR = join(ROOT, 'test/fixtures/golden');

/** Files the loader reads: their hash says whether the goldens belong to this bundle. */
const MODEL_FILES = new Set([MANIFEST_FILE, 'classical.json', 'model.json', 'weights.bin']);

export interface GoldenSample {
  /** Descriptor vector (classical member) or model input frames (deep bundle), as computed. */
  vector: number[];
  vectorKind: 'descriptors' | 'frames';
  probabilities: Record<string, number>;
}

export interface GoldenFile {
  bundle: string;
  /** sha256 over the bundle's model files (relative path and bytes). */
  bundleHash: string;
  /** The manifest's descriptor spec hash (classical bundles), for the reader. */
  descriptorSpecHash: string | null;
  samples: Record<string, GoldenSample>;
}

/** The shipped bundles: every folder of models/ with an emovox.json. */
export function shippedBundles(): string[] {
  return readdirSync(MODELS_DIR)
    .filter((d) => existsSync(join(MODELS_DIR, d, MANIFEST_FILE)))
    .sort();
}

/** The files of samples/ (any audio format the decoder reads). */
export function sampleFiles(): string[] {
  return readdirSync(SAMPLES_DIR)
    .filter((f) => statSync(join(SAMPLES_DIR, f)).isFile() && !f.startsWith('.') && !f.endsWith('.md'))
    .sort();
}

function modelFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...modelFiles(p, `${prefix}${name}/`));
    else if (MODEL_FILES.has(name)) out.push(`${prefix}${name}`);
  }
  return out;
}

export function bundleHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of modelFiles(dir)) {
    h.update(`${f}\n`);
    h.update(readFileSync(join(dir, f)));
  }
  return h.digest('hex');
}

/** Computes the golden record of models/<bundle> over samples/ with the current code. */
export async function computeGolden(bundle: string): Promise<GoldenFile> {
  const dir = join(MODELS_DIR, bundle);
  const loaded = await loadBundleFromDir(dir);
  const predictor = Predictor.fromBundle(loaded);
  if (predictor.model) await initBackend('cpu');
  const samples: Record<string, GoldenSample> = {};
  for (const file of sampleFiles()) {
    const audio = await decodeFile(join(SAMPLES_DIR, file), { targetSampleRate: predictor.sampleRate });
    const descriptors = await predictor.describe(audio.samples);
    const vector = descriptors
      ? Array.from(descriptors)
      : loaded.kind === 'deep'
        ? Array.from(signalToModelFrames(audio.samples, loaded.manifest).data)
        : [];
    const { probabilities } = await predictor.scores(audio.samples);
    samples[file] = {
      vector,
      vectorKind: descriptors ? 'descriptors' : 'frames',
      probabilities: Object.fromEntries(predictor.labels.map((l, i) => [l, probabilities[i]])),
    };
  }
  const spec = (loaded.manifest as { classical?: { descriptorSpec?: { hash?: string } } }).classical
    ?.descriptorSpec?.hash;
  return {
    bundle: `models/${bundle}`,
    bundleHash: bundleHash(dir),
    descriptorSpecHash: spec ?? null,
    samples,
  };
}
