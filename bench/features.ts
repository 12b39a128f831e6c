/**
 * Feature benchmark (not a test): MFCC with the default FeatureConfig for every EMO-DB file,
 * decoding excluded, single thread; the same work by torchaudio on one thread
 * (bench/reference/features_torchaudio.py), and the ratio of the two times. The two
 * alternate run by run so a busy machine slows both alike; each reports its best run, by
 * wall-clock and by CPU time of its process.
 * Usage: npm run bench:features [-- --data DIR --runs N --python PATH].
 * Target: faster than 1000x real time and no slower than torchaudio (ratio <= 1.0).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import FFT from 'fft.js';
import {
  DEFAULT_FEATURE_CONFIG,
  mfccRows,
  powerSpectrumInto,
  realFftPlan,
} from '../src/core/features/index.js';
import { decodeFile } from '../src/node/decode.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(here, '../../shared/datasets/emodb') },
    runs: { type: 'string', default: '5' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const runs = Number(args.runs);

function emodbFiles(dir: string): string[] {
  const lines = readFileSync(resolve(dir, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => resolve(dir, l.split('\t')[0]));
}

interface Timing {
  wallSec: number;
  cpuSec: number;
  /** Threads of the peer's process after the run (peer only). */
  processThreads?: number;
}

const files = emodbFiles(args.data);
const clips: Float32Array[] = [];
for (const f of files) clips.push((await decodeFile(f, { targetSampleRate: 16000 })).samples);
const audioSec = clips.reduce((s, c) => s + c.length, 0) / 16000;

/** One pass of the same work as the torchaudio peer: one MFCC matrix per clip, default config. */
function ourRun(): Timing {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let checksum = 0;
  for (const x of clips) checksum += mfccRows(x, DEFAULT_FEATURE_CONFIG).data[1];
  const wallSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (!Number.isFinite(checksum)) throw new Error('non-finite features');
  return { wallSec, cpuSec: (cpu.user + cpu.system) / 1e6 };
}

/**
 * The FFT choice: our real FFT (power spectrum written directly) against fft.js's realTransform
 * plus the power computation, on as many 512-point frames as the corpus has; best of `runs`.
 */
function fftComparison(frames: number): { ours: number; fftJs: number } {
  const n = DEFAULT_FEATURE_CONFIG.nFft;
  const frame = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.3) + ((i * 7919) % 97) / 97);
  const out = new Float64Array(n / 2 + 1);
  const plan = realFftPlan(n);
  const f = new FFT(n);
  const complex = new Float64Array(2 * n);
  const time = (work: () => void) => {
    let bestSec = Infinity;
    for (let r = 0; r < runs; r++) {
      const cpu0 = process.cpuUsage();
      work();
      const cpu = process.cpuUsage(cpu0);
      bestSec = Math.min(bestSec, (cpu.user + cpu.system) / 1e6);
    }
    return bestSec;
  };
  const ours = time(() => {
    for (let t = 0; t < frames; t++) powerSpectrumInto(plan, frame, out, 2);
  });
  const fftJs = time(() => {
    for (let t = 0; t < frames; t++) {
      f.realTransform(complex, frame);
      for (let k = 0; k <= n / 2; k++) out[k] = complex[2 * k] ** 2 + complex[2 * k + 1] ** 2;
    }
  });
  return { ours, fftJs };
}

const listDir = mkdtempSync(join(tmpdir(), 'emovox-bench-'));
const list = join(listDir, 'files.txt');
writeFileSync(list, files.join('\n'));
const peer = spawn(args.python, [resolve(here, 'reference/features_torchaudio.py'), list], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
async function nextLine<T>(): Promise<T> {
  const r = await lines.next();
  if (r.done) throw new Error('the torchaudio reference exited early (see its error above)');
  return JSON.parse(r.value) as T;
}
const info = await nextLine<{
  files: number;
  audioSec: number;
  torchaudio: string;
  intraOpThreads: number;
  processThreads: number;
}>();

ourRun(); // warm-up: caches and JIT
const ours: Timing[] = [];
const theirs: Timing[] = [];
for (let r = 0; r < runs; r++) {
  ours.push(ourRun());
  peer.stdin.write('run\n');
  theirs.push(await nextLine<Timing>());
}
peer.stdin.end();
rmSync(listDir, { recursive: true, force: true });

const best = (ts: Timing[], k: 'wallSec' | 'cpuSec') => Math.min(...ts.map((t) => t[k]));
const rtf = (sec: number) => `${(audioSec / sec).toFixed(0).padStart(6)}x`;
const row = (name: string, ts: Timing[]) =>
  `${name.padEnd(32)} wall ${best(ts, 'wallSec').toFixed(3)} s ${rtf(best(ts, 'wallSec'))}   ` +
  `cpu ${best(ts, 'cpuSec').toFixed(3)} s ${rtf(best(ts, 'cpuSec'))}`;
console.log(
  `MFCC, default FeatureConfig (40 MFCC, 40 Slaney mels, nFft 512, 25 ms / 10 ms), decoding excluded`,
);
console.log(
  `files ${files.length}, audio ${audioSec.toFixed(1)} s (torchaudio read ${info.files}, ${info.audioSec.toFixed(1)} s)`,
);
console.log(`best of ${runs} alternating runs; x = times real time`);
console.log(
  `machine: ${availableParallelism()} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (a busy machine slows both; compare the ratio)`,
);
console.log(row('emovox (TypeScript, 1 thread)', ours));
console.log(row(`torchaudio ${info.torchaudio} (1 thread)`, theirs));
const ratio = (k: 'wallSec' | 'cpuSec') => (best(ours, k) / best(theirs, k)).toFixed(2);
console.log(`ratio emovox / torchaudio: wall ${ratio('wallSec')}, cpu ${ratio('cpuSec')} (target <= 1.00)`);
const peerThreads = Math.max(info.processThreads, ...theirs.map((t) => t.processThreads ?? 0));
const parallel = best(theirs, 'wallSec') < best(theirs, 'cpuSec');
console.log(
  `note: torchaudio is told to use one thread (torch.set_num_threads(1)); its process had up to ${peerThreads} ` +
    `thread(s) during the runs${parallel ? ' and its wall time was below its CPU time, so it used a second core for part of the work' : ''}. ` +
    'CPU seconds of each whole process are compared: on this shared machine wall time measures the other load as much as the code.',
);

const totalFrames = clips.reduce(
  (s, c) => s + 1 + Math.floor(c.length / DEFAULT_FEATURE_CONFIG.hopLength),
  0,
);
const fft = fftComparison(totalFrames);
console.log(
  `FFT only, ${totalFrames} power spectra of 512 points (cpu, best of ${runs}): ` +
    `own real FFT ${fft.ours.toFixed(3)} s, fft.js realTransform ${fft.fftJs.toFixed(3)} s`,
);
