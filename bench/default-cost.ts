/**
 * Cost of the default model per clip (not a test): CPU milliseconds from 16 kHz samples to
 * calibrated probabilities (Predictor.predict, decoding excluded) for the bundle in
 * models/default, against the EMO-DB-era classical bundle in models/emodb (2902 descriptors +
 * linear SVM) measured in the same run on the same clips. The two alternate run by run so a busy
 * machine slows both alike; each reports its best run. Figures are per 3 s of audio.
 * Also the voice activity detector that every prediction runs first (src/core/vad requireSpeech
 * on the same clips), and the two together: what a server or CLI prediction costs after decoding.
 * Usage: npx tsx bench/default-cost.ts [--data DIR] [--clips N] [--runs N]
 * Target (issue 9/11): at most ~10 ms CPU per 3 s clip for the default, detector included.
 */
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Predictor } from '../src/core/predict.js';
import { loadBundleFromDir } from '../src/node/bundle-io.js';
import { decodeFile } from '../src/node/decode.js';
import { requireSpeech } from '../src/core/vad/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(here, '../../shared/datasets/ravdess') },
    clips: { type: 'string', default: '60' },
    runs: { type: 'string', default: '3' },
  },
});
const lines = readFileSync(resolve(args.data, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
const step = Math.max(1, Math.floor(lines.length / Number(args.clips)));
const files = lines.filter((_, i) => i % step === 0).slice(0, Number(args.clips));
const clips: Float32Array[] = [];
for (const l of files)
  clips.push((await decodeFile(resolve(args.data, l.split('\t')[0]), { targetSampleRate: 16000 })).samples);
const audioSec = clips.reduce((s, c) => s + c.length, 0) / 16000;

const models = { default: 'models/default', 'emodb (peer)': 'models/emodb' };
const predictors = new Map<string, Predictor>();
for (const [name, dir] of Object.entries(models))
  predictors.set(name, Predictor.fromBundle(await loadBundleFromDir(resolve(here, '..', dir))));

async function run(p: Predictor): Promise<number> {
  const u0 = process.cpuUsage();
  for (const x of clips) await p.predict(x, 16000);
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1000;
}
/** CPU ms of the voice activity detector over every clip (its output is what gets classified). */
function runVad(): number {
  const u0 = process.cpuUsage();
  for (const x of clips) requireSpeech(x, 16000);
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1000;
}
const best = new Map<string, number>();
for (const p of predictors.values()) await run(p); // warm-up (JIT)
runVad();
let vadMs = Infinity;
for (let r = 0; r < Number(args.runs); r++) {
  for (const [name, p] of predictors) best.set(name, Math.min(best.get(name) ?? Infinity, await run(p)));
  vadMs = Math.min(vadMs, runVad());
}
console.log(
  `${clips.length} clips, ${audioSec.toFixed(1)} s of audio; load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
for (const [name, ms] of best) {
  console.log(
    `${name.padEnd(14)} ${((ms / audioSec) * 3).toFixed(2)} ms CPU per 3 s clip (best of ${args.runs})`,
  );
}
const per3s = (ms: number) => ((ms / audioSec) * 3).toFixed(2);
console.log(
  `${'VAD'.padEnd(14)} ${per3s(vadMs)} ms CPU per 3 s clip (requireSpeech, best of ${args.runs}); ` +
    `default + VAD ${per3s(vadMs + best.get('default')!)} ms`,
);
const ratio = best.get('emodb (peer)')! / best.get('default')!;
console.log(`default is ${ratio.toFixed(1)}x cheaper than the peer`);
