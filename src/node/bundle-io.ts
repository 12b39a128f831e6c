/**
 * Model bundles on disk: loadBundleFromDir reads any bundle kind (deep: emovox.json +
 * model.json + weights; classical: emovox.json + classical.json; ensemble: emovox.json + one
 * member bundle per subfolder); saveBundle, saveClassicalBundle and saveEnsembleBundle write
 * them atomically (everything goes to a temporary sibling folder first,
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
  checkEnsembleMembers,
  checkModelMatchesManifest,
  classicalFromJson,
  parseAnyManifest,
  parseManifest,
  ClassicalManifestSchema,
  EnsembleManifestSchema,
  type BundleManifest,
  type ClassicalManifest,
  type EnsembleManifest,
  type LoadedBundle,
  type LoadedDeepBundle,
  type LoadedEnsembleMember,
} from '../core/bundle.js';
import type { ClassicalModel } from '../core/classical/serialize-model.js';

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BundleError(
      code === 'ENOENT'
        ? `${path} not found (a bundle folder holds ${MANIFEST_FILE} and, by its kind, ${MODEL_FILE} + weights, classical.json, or member folders)`
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

async function loadDir(abs: string, nested: boolean): Promise<LoadedBundle> {
  if (!existsSync(abs)) throw new BundleError(`model bundle folder ${abs} does not exist`);
  const where = join(abs, MANIFEST_FILE);
  const manifest = parseAnyManifest(await readJson(where), where);
  if (manifest.kind === 'classical') {
    const file = join(abs, manifest.classical.file);
    return {
      kind: 'classical',
      manifest,
      classical: classicalFromJson(manifest, await readJson(file), file),
    };
  }
  if (manifest.kind === 'ensemble') {
    if (nested) throw new BundleError(`${where}: an ensemble member cannot itself be an ensemble`);
    const members: LoadedEnsembleMember[] = [];
    for (const m of manifest.members) {
      const b = (await loadDir(join(abs, m.dir), true)) as LoadedEnsembleMember['bundle'];
      members.push({ name: m.name, weight: m.weight, bundle: b });
    }
    checkEnsembleMembers(manifest, members);
    return { kind: 'ensemble', manifest, members };
  }
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

/** Loads a bundle folder of any kind written by saveBundle, saveClassicalBundle or saveEnsembleBundle. */
export async function loadBundleFromDir(dir: string): Promise<LoadedBundle> {
  return loadDir(resolve(dir), false);
}

/** Loads a deep bundle folder (a clear error for the other kinds), for code that needs the tfjs model. */
export async function loadDeepBundleFromDir(dir: string): Promise<LoadedDeepBundle> {
  const b = await loadBundleFromDir(dir);
  if (b.kind === 'classical' || b.kind === 'ensemble') {
    throw new BundleError(`${resolve(dir)} holds a ${b.kind} bundle; a deep (tfjs) model is needed here`);
  }
  return b;
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
    for (const [name, contents] of Object.entries(files)) {
      // Names may hold one folder level ('deep/model.json') for ensemble members.
      if (name.includes('/')) await mkdir(dirname(join(tmp, name)), { recursive: true, mode: 0o755 });
      await writeFile(join(tmp, name), contents);
    }
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

/** The files of a deep bundle: model.json, weights.bin, emovox.json and history.json. */
export async function deepBundleFiles(
  model: tf.LayersModel,
  manifest: BundleManifest,
): Promise<Record<string, string | Uint8Array>> {
  const checked = parseManifest(manifest, 'the manifest to save');
  checkModelMatchesManifest(model, checked);
  const { modelJson, weights } = await modelToFiles(model);
  return {
    [MODEL_FILE]: JSON.stringify(modelJson),
    [WEIGHTS_FILE]: weights,
    [MANIFEST_FILE]: JSON.stringify(checked, null, 2) + '\n',
    [HISTORY_FILE]: JSON.stringify(checked.history, null, 2) + '\n',
  };
}

/** The files of a classical bundle: emovox.json and classical.json (compact numbers). */
export function classicalBundleFiles(
  manifest: ClassicalManifest,
  model: ClassicalModel,
): Record<string, string | Uint8Array> {
  const r = ClassicalManifestSchema.safeParse(manifest);
  if (!r.success) throw new BundleError(`the classical manifest to save is invalid: ${r.error.message}`);
  const json = model.toJSON();
  classicalFromJson(r.data, json, 'the classical model to save');
  return {
    [r.data.classical.file]: JSON.stringify(json),
    [MANIFEST_FILE]: JSON.stringify(r.data, null, 2) + '\n',
  };
}

/** The files of an ensemble: emovox.json plus each member's files under its folder. */
export function ensembleBundleFiles(
  manifest: EnsembleManifest,
  memberFiles: Record<string, Record<string, string | Uint8Array>>,
): Record<string, string | Uint8Array> {
  const r = EnsembleManifestSchema.safeParse(manifest);
  if (!r.success) throw new BundleError(`the ensemble manifest to save is invalid: ${r.error.message}`);
  const out: Record<string, string | Uint8Array> = {
    [MANIFEST_FILE]: JSON.stringify(r.data, null, 2) + '\n',
  };
  for (const m of r.data.members) {
    const files = memberFiles[m.dir];
    if (!files) throw new BundleError(`no files for ensemble member ${m.name} (folder ${m.dir})`);
    for (const [name, contents] of Object.entries(files)) out[`${m.dir}/${name}`] = contents;
  }
  return out;
}

/**
 * Saves a deep model bundle: model.json + weights.bin + emovox.json + history.json (the
 * training history beside the model), plus any `extraFiles` (e.g. MODEL_CARD.md). Atomic.
 */
export async function saveBundle(
  dir: string,
  model: tf.LayersModel,
  manifest: BundleManifest,
  extraFiles: Record<string, string | Uint8Array> = {},
): Promise<void> {
  await writeFolderAtomic(dir, { ...extraFiles, ...(await deepBundleFiles(model, manifest)) });
}

/** Saves a classical bundle (emovox.json + classical.json + extraFiles). Atomic. */
export async function saveClassicalBundle(
  dir: string,
  manifest: ClassicalManifest,
  model: ClassicalModel,
  extraFiles: Record<string, string | Uint8Array> = {},
): Promise<void> {
  await writeFolderAtomic(dir, { ...extraFiles, ...classicalBundleFiles(manifest, model) });
}

/** Saves an ensemble bundle from its manifest and each member's files (by member folder). Atomic. */
export async function saveEnsembleBundle(
  dir: string,
  manifest: EnsembleManifest,
  memberFiles: Record<string, Record<string, string | Uint8Array>>,
  extraFiles: Record<string, string | Uint8Array> = {},
): Promise<void> {
  await writeFolderAtomic(dir, { ...extraFiles, ...ensembleBundleFiles(manifest, memberFiles) });
}
