/**
 * Model bundles on disk: loadBundleFromDir reads emovox.json + model.json + weights;
 * saveBundle writes them atomically (everything goes to a temporary sibling folder first,
 * which then replaces the target with renames), so a crash never leaves a half-written bundle.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  BundleError,
  HISTORY_FILE,
  MANIFEST_FILE,
  MODEL_FILE,
  WEIGHTS_FILE,
  checkModelMatchesManifest,
  parseManifest,
  type BundleManifest,
  type LoadedBundle,
} from '../core/bundle.js';

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BundleError(
      code === 'ENOENT'
        ? `${path} not found (a bundle folder holds ${MANIFEST_FILE}, ${MODEL_FILE} and weights)`
        : `cannot read ${path}: ${code}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BundleError(`${path} is not valid JSON`);
  }
}

/** Reads the tfjs model.json + weight files of a bundle folder into ModelArtifacts. */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const modelJson = (await readJson(join(dir, MODEL_FILE))) as tf.io.ModelJSON;
  if (
    !modelJson ||
    typeof modelJson !== 'object' ||
    !modelJson.modelTopology ||
    !Array.isArray(modelJson.weightsManifest)
  ) {
    throw new BundleError(
      `${join(dir, MODEL_FILE)} is not a tfjs Layers model (needs modelTopology and weightsManifest)`,
    );
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const file = join(dir, p);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new BundleError(`weights file ${file} listed in ${MODEL_FILE} is missing`);
      }
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }
  return {
    modelTopology: modelJson.modelTopology,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    trainingConfig: modelJson.trainingConfig,
    weightSpecs,
    weightData: tf.io.CompositeArrayBuffer.join(buffers),
  };
}

/** Loads a bundle folder written by saveBundle (or any folder with the same three files). */
export async function loadBundleFromDir(dir: string): Promise<LoadedBundle> {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new BundleError(`model bundle folder ${abs} does not exist`);
  const manifest = parseManifest(await readJson(join(abs, MANIFEST_FILE)), join(abs, MANIFEST_FILE));
  const artifacts = await readModelArtifacts(abs);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new BundleError(`cannot build the model in ${abs}: ${(err as Error).message}`);
  }
  checkModelMatchesManifest(model, manifest);
  return { model, manifest };
}

/** Serialises a model to the files of a tfjs `model.json` + single `weights.bin`. */
export async function modelToFiles(
  model: tf.LayersModel,
): Promise<{ modelJson: tf.io.ModelJSON; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured || !captured.weightSpecs) throw new Error('tfjs returned no model artifacts');
  const data = captured.weightData ?? new ArrayBuffer(0);
  const joined = tf.io.CompositeArrayBuffer.join(data);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: captured.modelTopology as object,
    format: 'layers-model',
    generatedBy: captured.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: captured.weightSpecs }],
  };
  return { modelJson, weights: new Uint8Array(joined) };
}

/**
 * Writes `files` (name -> contents) as the folder `dir`, atomically: they go to a fresh
 * `dir.tmp-XXXX` sibling, then that folder is renamed into place. An existing `dir` is first
 * renamed aside and removed afterwards, so readers see either the old or the new folder.
 */
export async function writeFolderAtomic(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  const abs = resolve(dir);
  const parent = dirname(abs);
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(join(parent, `${basename(abs)}.tmp-`));
  try {
    await chmod(tmp, 0o755); // mkdtemp makes it private; a bundle is served and shared like any folder
    for (const [name, contents] of Object.entries(files)) await writeFile(join(tmp, name), contents);
    if (existsSync(abs)) {
      const old = `${abs}.old-${process.pid}-${Date.now()}`;
      await rename(abs, old);
      await rename(tmp, abs);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, abs);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Saves a model bundle: model.json + weights.bin + emovox.json + history.json (the training
 * history beside the model), plus any `extraFiles` (e.g. MODEL_CARD.md). Atomic.
 */
export async function saveBundle(
  dir: string,
  model: tf.LayersModel,
  manifest: BundleManifest,
  extraFiles: Record<string, string | Uint8Array> = {},
): Promise<void> {
  const checked = parseManifest(manifest, 'the manifest to save');
  checkModelMatchesManifest(model, checked);
  const { modelJson, weights } = await modelToFiles(model);
  await writeFolderAtomic(dir, {
    ...extraFiles,
    [MODEL_FILE]: JSON.stringify(modelJson),
    [WEIGHTS_FILE]: weights,
    [MANIFEST_FILE]: JSON.stringify(checked, null, 2) + '\n',
    [HISTORY_FILE]: JSON.stringify(checked.history, null, 2) + '\n',
  });
}
