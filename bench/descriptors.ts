/**
 * npm run bench:descriptors -- [--model DIR] [--data DIR] [--clips N] [--runs R]
 * CPU milliseconds per 3-second clip from decoded samples to probabilities for a classical
 * bundle (default models/emodb: 2902 descriptors, linear SVM; models/default is the robust family, see bench/default-cost.ts), and where they go: the shared
 * power spectrum, the MFCC statistics, the frame descriptors (spectral shape and pitch), the
 * extended spectral descriptors, the functionals, the classifier. Clips: every Nth EMO-DB file,
 * repeated or cut to exactly 3 s, decoding excluded. Target (issue 11): <= 10 ms a clip. No
 * external tool computes this descriptor set (openSMILE's ComParE set would be the peer and is
 * not installed here), so the figure is reported against the target. CPU time of this process
 * (process.cpuUsage), best of R runs; the load average is printed because the machine is shared.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { frameDescriptors } from '../src/core/classical/descriptors.js';
import {
  extendedDescriptorFunctionals,
  extraFrameDescriptors,
} from '../src/core/classical/descriptors-extended.js';
import { classicalFeatures, descriptorOptionsOf, mfccConfigOf } from '../src/core/classical/featurize.js';
import { framePowerSpectra } from '../src/core/classical/spectrum.js';
import { mfccRowsFromPowerSpectrogram } from '../src/core/features/index.js';
import { Predictor } from '../src/core/predict.js';
import { loadBundleFromDir } from '../src/node/bundle-io.js';
import { decodeFile } from '../src/node/decode.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: join(ROOT, 'models/emodb') },
    data: { type: 'string', default: resolve(ROOT, '../shared/datasets/emodb') },
    clips: { type: 'string', default: '60' },
    runs: { type: 'string', default: '5' },
  },
});
const CLIP_SEC = 3;

const bundle = await loadBundleFromDir(resolve(args.model));
if (bundle.kind !== 'classical')
  throw new Error(`${args.model} is a ${bundle.kind} bundle; this bench needs a classical one`);
const predictor = Predictor.fromBundle(bundle);
const model = bundle.classical;
const spec = model.spec;
const sr = spec.sampleRate;

const lines = readFileSync(join(args.data, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
const every = Math.max(1, Math.floor(lines.length / Number(args.clips)));
const clips: Float32Array[] = [];
for (let i = 0; i < lines.length && clips.length < Number(args.clips); i += every) {
  const s = (await decodeFile(join(args.data, lines[i].split('\t')[0]), { targetSampleRate: sr })).samples;
  const c = new Float32Array(CLIP_SEC * sr);
  for (let j = 0; j < c.length; j++) c[j] = s[j % s.length];
  clips.push(c);
}

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Best over runs of the mean CPU ms per clip of `work`. */
function measure(work: (x: Float32Array) => unknown): number {
  let best = Infinity;
  for (let r = 0; r < Number(args.runs); r++) {
    const t0 = cpuMs();
    for (const x of clips) work(x);
    best = Math.min(best, (cpuMs() - t0) / clips.length);
  }
  return best;
}

const opts = descriptorOptionsOf(spec);
const cfg = mfccConfigOf(spec);
for (const x of clips.slice(0, 5)) await predictor.scores(x); // warm-up
const total = measure((x) => model.probabilities(model.describe(x)));
const features = measure((x) => classicalFeatures(x, spec));
const spectra = measure((x) => framePowerSpectra(x, opts));
const mfccStats = measure((x) => classicalFeatures(x, { ...spec, descriptors: false }));
const mfccShared = measure((x) => mfccRowsFromPowerSpectrogram(framePowerSpectra(x, opts), cfg));
const frame = measure((x) => frameDescriptors(x, opts, framePowerSpectra(x, opts)));
const extra = measure((x) => extraFrameDescriptors(x, opts, framePowerSpectra(x, opts)));
const family = measure((x) => extendedDescriptorFunctionals(x, opts, framePowerSpectra(x, opts)));
const described = clips.map((x) => model.describe(x));
let i = 0;
const classify = measure(() => model.probabilities(described[i++ % described.length]));

const row = (name: string, ms: number, note = '') =>
  console.log(`${name.padEnd(68)} ${ms.toFixed(2).padStart(6)} ms${note ? `  ${note}` : ''}`);
console.log(
  `${args.model}: ${model.dim} descriptors; ${clips.length} EMO-DB clips of ${CLIP_SEC} s, decoding excluded; ` +
    `CPU ms per clip, best of ${args.runs} runs; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (shared machine: CPU time, not wall time)`,
);
row('decoded samples -> probabilities', total, `target <= 10 ms: ${total <= 10 ? 'met' : 'not met'}`);
row('  descriptor vector (classicalFeatures)', features);
row('    shared power spectrum (one FFT pass)', spectra);
row('    MFCC statistics alone (own FFT pass, deltas, functionals)', mfccStats);
row('      of which mel + dB + DCT on the shared spectrum', mfccShared - spectra);
row('    frame descriptors (shape, bands, pitch) on the shared spectrum', frame - spectra);
row('    extended spectral descriptors on the shared spectrum', extra - spectra);
row('    extended family incl. functionals, minus the frame parts', family - frame - extra + spectra);
row('  classifier (standardise + linear SVM + Platt)', classify);
