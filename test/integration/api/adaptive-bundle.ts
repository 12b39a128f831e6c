/**
 * Small speaker-adaptive bundles built in a test, from synthetic clips (test/helpers/tones.ts):
 * a classical bundle (linear SVM on 26 MFCC functionals, global + speakerNorm pipelines) and an
 * ensemble of it with the tiny deep bundle. Seconds to build; nothing is committed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MULTI_KIND_FORMAT_VERSION,
  type ClassicalManifest,
  type EnsembleManifest,
} from '../../../src/core/bundle.js';
import { descriptorSpecRecord } from '../../../src/core/classical/descriptor-spec.js';
import { classicalFeatures, type ClassicalFeatureSpec } from '../../../src/core/classical/featurize.js';
import { ClassicalPipeline, defaultPipelineConfig } from '../../../src/core/classical/pipeline.js';
import { ClassicalModel } from '../../../src/core/classical/serialize-model.js';
import { parseFeatureConfig } from '../../../src/core/features/index.js';
import {
  classicalBundleFiles,
  saveClassicalBundle,
  saveEnsembleBundle,
} from '../../../src/node/bundle-io.js';
import { seededRandom, tinyClip, TINY_LABELS } from '../../helpers/tones.js';
import { TINY_BUNDLE } from './server-helpers.js';

export const SMALL_SPEC: ClassicalFeatureSpec = {
  sampleRate: 16000,
  nMfcc: 13,
  nMels: 26,
  deltaOrder: 0,
  functionals: ['mean', 'std'],
  descriptors: false,
  silenceBelowPeakDb: 40,
};

function zNormalisePerSpeaker(rows: Float64Array[], speakers: number[]): Float64Array[] {
  const out = rows.map((r) => Float64Array.from(r));
  for (const s of new Set(speakers)) {
    const idx = speakers.flatMap((v, i) => (v === s ? [i] : []));
    const dim = rows[0].length;
    for (let c = 0; c < dim; c++) {
      const vals = idx.map((i) => rows[i][c]);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
      for (const i of idx) out[i][c] = (rows[i][c] - mean) / (sd > 1e-8 ? sd : 1);
    }
  }
  return out;
}

function matrix(rows: Float64Array[]) {
  const cols = rows[0].length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { data, rows: rows.length, cols };
}

/** The classical model and manifest: 3 speakers x 3 labels x 4 clips. */
export function trainSmallClassical(minSpeakerUtterances = 3): {
  model: ClassicalModel;
  manifest: ClassicalManifest;
} {
  const rng = seededRandom(11);
  const rows: Float64Array[] = [];
  const y: number[] = [];
  const speakers: number[] = [];
  let names: string[] = [];
  for (let s = 0; s < 3; s++) {
    for (let k = 0; k < TINY_LABELS.length; k++) {
      for (let i = 0; i < 4; i++) {
        const f = classicalFeatures(tinyClip(k, rng, 0.8), SMALL_SPEC);
        names = f.names;
        rows.push(f.values);
        y.push(k);
        speakers.push(s);
      }
    }
  }
  const labels = [...TINY_LABELS];
  const config = defaultPipelineConfig('svm-linear');
  const global = ClassicalPipeline.fit(matrix(rows), y, labels, config, names);
  const speakerNorm = ClassicalPipeline.fit(
    matrix(zNormalisePerSpeaker(rows, speakers)),
    y,
    labels,
    config,
    names,
  );
  const model = new ClassicalModel(SMALL_SPEC, labels, names, global, speakerNorm);
  const manifest: ClassicalManifest = {
    formatVersion: MULTI_KIND_FORMAT_VERSION,
    kind: 'classical',
    labels,
    featureConfig: parseFeatureConfig({ sampleRate: 16000 }),
    modelName: 'svm-linear',
    modelConfig: {},
    corpus: 'synthetic',
    protocol: 'test fixture',
    metrics: {},
    history: [],
    card: 'A classical test bundle.',
    createdAt: new Date(0).toISOString(),
    classical: {
      file: 'classical.json',
      model: 'svm-linear',
      descriptors: SMALL_SPEC,
      descriptorSpec: descriptorSpecRecord(SMALL_SPEC),
      featureCount: names.length,
      speakerAdaptive: true,
      minSpeakerUtterances,
    },
  };
  return { model, manifest };
}

/** Writes the classical bundle to `dir`. */
export async function saveSmallClassical(dir: string, minSpeakerUtterances = 3): Promise<void> {
  const { model, manifest } = trainSmallClassical(minSpeakerUtterances);
  await saveClassicalBundle(dir, manifest, model);
}

/** Writes an ensemble of the tiny deep bundle and the small classical bundle to `dir`. */
export async function saveSmallEnsemble(dir: string, minSpeakerUtterances = 3): Promise<void> {
  const { model, manifest } = trainSmallClassical(minSpeakerUtterances);
  const deepFiles = Object.fromEntries(
    readdirSync(TINY_BUNDLE).map((name) => [name, new Uint8Array(readFileSync(join(TINY_BUNDLE, name)))]),
  );
  const ensemble: EnsembleManifest = {
    formatVersion: MULTI_KIND_FORMAT_VERSION,
    kind: 'ensemble',
    labels: manifest.labels,
    featureConfig: manifest.featureConfig,
    modelName: 'ensemble',
    modelConfig: {},
    corpus: 'synthetic',
    protocol: 'test fixture',
    // Made-up figures in the shape train-bundle.ts writes, so the model page's table can be checked.
    metrics: {
      evaluation: [
        { model: 'svm-linear', protocol: 'loso', speakerNorm: false, uar: 0.5, wa: 0.52, macroF1: 0.49 },
        { model: 'svm-linear', protocol: 'loso', speakerNorm: true, uar: 0.6, wa: 0.61, macroF1: 0.59 },
      ],
    },
    history: [],
    card: 'An ensemble test bundle.',
    createdAt: new Date(0).toISOString(),
    members: [
      { name: 'cnn', dir: 'deep', weight: 1 },
      { name: 'svm-linear', dir: 'classical', weight: 1 },
    ],
  };
  await saveEnsembleBundle(dir, ensemble, {
    deep: deepFiles,
    classical: classicalBundleFiles(manifest, model),
  });
}
