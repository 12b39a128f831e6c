import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MULTI_KIND_FORMAT_VERSION,
  loadBundleFromUrl,
  type ClassicalManifest,
  type EnsembleManifest,
} from '../../../src/core/bundle.js';
import { descriptorSpecRecord } from '../../../src/core/classical/descriptor-spec.js';
import { DEFAULT_CLASSICAL_FEATURES, classicalFeatures } from '../../../src/core/classical/featurize.js';
import { ClassicalPipeline, defaultPipelineConfig } from '../../../src/core/classical/pipeline.js';
import { ClassicalModel } from '../../../src/core/classical/serialize-model.js';
import { parseFeatureConfig } from '../../../src/core/features/index.js';
import {
  Predictor,
  meanWindowProbabilities,
  signalToModelFrames,
  windowFrames,
} from '../../../src/core/predict.js';
import { SpeakerProfile } from '../../../src/core/speaker-profile.js';
import { sliceFrames, windowStarts } from '../../../src/core/windows.js';
import { initBackend } from '../../../src/node/backend.js';
import {
  classicalBundleFiles,
  loadBundleFromDir,
  loadDeepBundleFromDir,
  saveClassicalBundle,
  saveEnsembleBundle,
} from '../../../src/node/bundle-io.js';
import { speakerNormaliseRows } from '../../../src/node/train/evaluate/speaker-norm.js';
import { SMALL_DESCRIPTORS, speakerClip } from '../../helpers/tone-corpus.js';
import { TINY_LABELS, seededRandom } from '../../helpers/tones.js';

const TINY = fileURLToPath(new URL('../../fixtures/bundles/tiny', import.meta.url));
const SPEC = {
  ...DEFAULT_CLASSICAL_FEATURES,
  ...SMALL_DESCRIPTORS,
  functionals: [...SMALL_DESCRIPTORS.functionals],
};
/** The classical member lists the labels in another order than the tiny deep bundle: mapped by name. */
const CLASSICAL_LABELS = ['happiness', 'sadness', 'neutral'];
const MIN_CLIPS = 4;

let root: string;
let classicalModel: ClassicalModel;

function classicalManifest(featureCount: number): ClassicalManifest {
  return {
    formatVersion: MULTI_KIND_FORMAT_VERSION,
    kind: 'classical',
    labels: CLASSICAL_LABELS,
    featureConfig: parseFeatureConfig({ sampleRate: SPEC.sampleRate }),
    modelName: 'svm-linear',
    modelConfig: {},
    corpus: 'synthetic',
    protocol: '',
    metrics: {},
    history: [],
    card: '',
    createdAt: '2026-11-26T00:00:00Z',
    classical: {
      file: 'classical.json',
      model: 'svm-linear',
      descriptors: SPEC,
      descriptorSpec: descriptorSpecRecord(SPEC),
      featureCount,
      speakerAdaptive: true,
      minSpeakerUtterances: MIN_CLIPS,
    },
  };
}

/** Serves a folder like a static web server, for loadBundleFromUrl. */
function folderFetch(dir: string): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const path = String(input).replace(/^http:\/\/models\.test\//, '');
    try {
      const bytes = readFileSync(join(dir, path));
      return new Response(bytes, { status: 200 });
    } catch {
      return new Response('not found', { status: 404 });
    }
  }) as typeof fetch;
}

before(async () => {
  await initBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'emovox-kinds-'));
  const rng = seededRandom(11);
  const rows: Float64Array[] = [];
  const y: number[] = [];
  const speakers: string[] = [];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < 5; i++) {
      TINY_LABELS.forEach((label, k) => {
        rows.push(classicalFeatures(speakerClip(k, s, rng, 1), SPEC).values);
        y.push(CLASSICAL_LABELS.indexOf(label));
        speakers.push(`s${s}`);
      });
    }
  }
  const d = rows[0].length;
  const x = { data: new Float64Array(rows.length * d), rows: rows.length, cols: d };
  rows.forEach((r, i) => x.data.set(r, i * d));
  const names = classicalFeatures(speakerClip(0, 0, rng, 1), SPEC).names;
  const cfg = defaultPipelineConfig('svm-linear');
  const global = ClassicalPipeline.fit(x, y, CLASSICAL_LABELS, cfg, names);
  const norm = ClassicalPipeline.fit(speakerNormaliseRows(x, speakers), y, CLASSICAL_LABELS, cfg, names);
  classicalModel = new ClassicalModel(SPEC, CLASSICAL_LABELS, names, global, norm);
  await saveClassicalBundle(join(root, 'classical'), classicalManifest(d), classicalModel);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a classical bundle saves, loads in Node and by URL, and classifies fresh clips', async () => {
  const node = Predictor.fromBundle(await loadBundleFromDir(join(root, 'classical')));
  const web = Predictor.fromBundle(
    await loadBundleFromUrl('http://models.test/classical', folderFetch(root)),
  );
  assert.equal(node.kind, 'classical');
  assert.equal(node.usesDescriptors, true);
  assert.equal(node.minSpeakerUtterances, MIN_CLIPS);
  assert.equal(node.model, null);
  const rng = seededRandom(99);
  for (let k = 0; k < 3; k++) {
    const clip = speakerClip(k, 1, rng, 1.2);
    const a = await node.predict(clip);
    const b = await web.predict(clip);
    assert.deepEqual(b, a);
    assert.equal(a.label, TINY_LABELS[k]);
    assert.deepEqual(a.adaptation, { speakerUtterances: 0, adapted: false });
    assert.deepEqual(await node.describe(clip), classicalModel.describe(clip));
  }
});

test('the speaker-normalised pipeline is used once the profile has minSpeakerUtterances clips', async () => {
  const p = Predictor.fromBundle(await loadBundleFromDir(join(root, 'classical')));
  const rng = seededRandom(5);
  const clips = [0, 1, 2, 0].map((k) => speakerClip(k, 2, rng, 1));
  const profile = new SpeakerProfile(p.descriptorDim);
  for (const c of clips.slice(0, MIN_CLIPS - 1)) profile.add((await p.describe(c))!);
  const few = await p.predict(clips[0], undefined, { profile });
  assert.deepEqual(few.adaptation, { speakerUtterances: MIN_CLIPS - 1, adapted: false });
  assert.deepEqual(
    few.probabilities,
    (await p.predict(clips[0])).probabilities,
    'global path below the minimum',
  );

  profile.add((await p.describe(clips[MIN_CLIPS - 1]))!);
  const d = (await p.describe(clips[0]))!;
  const adapted = await p.predict(clips[0], undefined, { profile, descriptors: d });
  assert.deepEqual(adapted.adaptation, { speakerUtterances: MIN_CLIPS, adapted: true });
  const expected = classicalModel.probabilities(d, { mean: profile.mean(), std: profile.std() });
  assert.equal(expected.path, 'speakerNorm');
  for (const [i, l] of CLASSICAL_LABELS.entries()) {
    assert.ok(Math.abs(adapted.probabilities[l] - expected.probabilities[i]) < 1e-5);
  }
  assert.notDeepEqual(adapted.probabilities, few.probabilities);
  await assert.rejects(
    p.predict(clips[0], undefined, { profile: new SpeakerProfile(3) }),
    /profile has 3 descriptors/,
  );
});

test('an ensemble averages its members with the fixed weights, labels mapped by name, in Node and by URL', async () => {
  const dir = join(root, 'ens');
  const deepDir = join(root, 'deep-copy');
  cpSync(TINY, deepDir, { recursive: true });
  const deepFiles = Object.fromEntries(
    ['emovox.json', 'model.json', 'weights.bin'].map((f) => [f, readFileSync(join(deepDir, f))]),
  );
  const deepManifest = JSON.parse(readFileSync(join(TINY, 'emovox.json'), 'utf8'));
  const manifest: EnsembleManifest = {
    formatVersion: MULTI_KIND_FORMAT_VERSION,
    kind: 'ensemble',
    labels: [...TINY_LABELS],
    featureConfig: deepManifest.featureConfig,
    modelName: 'ensemble: tiny + svm-linear',
    modelConfig: {},
    input: deepManifest.input,
    corpus: 'synthetic',
    protocol: '',
    metrics: {},
    history: [],
    card: '',
    createdAt: '2026-11-26T00:00:00Z',
    members: [
      { name: 'deep', dir: 'deep', weight: 2 },
      { name: 'classical', dir: 'classical', weight: 1 },
    ],
  };
  const classicalFiles = classicalBundleFiles(classicalManifest(classicalModel.dim), classicalModel);
  await saveEnsembleBundle(dir, manifest, { deep: deepFiles, classical: classicalFiles });

  const ens = Predictor.fromBundle(await loadBundleFromDir(dir));
  const web = Predictor.fromBundle(await loadBundleFromUrl('http://models.test/ens/', folderFetch(root)));
  const deep = Predictor.fromBundle(await loadBundleFromDir(TINY));
  const classical = Predictor.fromBundle(await loadBundleFromDir(join(root, 'classical')));
  assert.equal(ens.kind, 'ensemble');
  assert.equal(ens.usesDescriptors, true);
  assert.ok(ens.model);
  const clip = speakerClip(2, 0, seededRandom(3), 1.5);
  const got = await ens.predict(clip);
  assert.deepEqual(await web.predict(clip), got);
  const pd = (await deep.predict(clip)).probabilities;
  const pc = (await classical.predict(clip)).probabilities;
  for (const l of TINY_LABELS) assert.ok(Math.abs(got.probabilities[l] - (2 * pd[l] + pc[l]) / 3) < 1e-6, l);
  assert.deepEqual(Object.keys(got.probabilities), [...TINY_LABELS]);
  assert.deepEqual(got.adaptation, { speakerUtterances: 0, adapted: false });
  const segs = await ens.timeline(clip, 1, 0.5);
  assert.ok(segs.length >= 2);
  assert.ok(Math.abs(segs[segs.length - 1].endSec - 1.5) < 1e-9);
});

test('old deep bundles load as deep and give the same output as the windowed model itself', async () => {
  for (const dir of [TINY]) {
    const b = await loadDeepBundleFromDir(dir);
    const p = Predictor.fromBundle(b);
    assert.equal(p.kind, 'deep');
    assert.equal(p.usesDescriptors, false);
    assert.equal(await p.describe(new Float32Array(16000).fill(0.1)), null);
    const clip = speakerClip(1, 0, seededRandom(8), 2);
    const got = await p.predict(clip, undefined, { profile: new SpeakerProfile(4) });
    assert.equal(got.adaptation, undefined);
    const frames = signalToModelFrames(clip, b.manifest);
    const { window, hop } = windowFrames(b.manifest);
    const windows = windowStarts(frames.frames, window, hop).map((s) =>
      sliceFrames(frames.data, frames.coeffs, s, window),
    );
    const direct = await meanWindowProbabilities(b.model, windows);
    assert.deepEqual(await p.probabilities(clip), direct, 'bit-identical to the windowed model');
    assert.deepEqual(
      b.manifest.labels.map((l) => got.probabilities[l]),
      Array.from(direct),
    );
  }
});

test('malformed multi-kind bundles are refused with the reason', async () => {
  const dir = join(root, 'bad');
  cpSync(join(root, 'classical'), dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, 'emovox.json'), 'utf8'));
  writeFileSync(
    join(dir, 'emovox.json'),
    JSON.stringify({ ...m, classical: { ...m.classical, featureCount: 7 } }),
  );
  await assert.rejects(loadBundleFromDir(dir), /descriptors but the manifest says 7/);
  writeFileSync(
    join(dir, 'emovox.json'),
    JSON.stringify({ ...m, kind: 'ensemble', members: [{ name: 'x', dir: '../up', weight: 1 }] }),
  );
  await assert.rejects(loadBundleFromDir(dir), /members\.0\.dir: a member folder is one plain name/);
  writeFileSync(join(dir, 'emovox.json'), JSON.stringify(m));
  rmSync(join(dir, 'classical.json'));
  await assert.rejects(loadBundleFromDir(dir), /classical\.json not found/);
  await assert.rejects(loadDeepBundleFromDir(join(root, 'classical')), /holds a classical bundle/);
});
