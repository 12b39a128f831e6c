/**
 * VAD benchmark (not a test): EMO-DB clips laid end to end with 0.8-2.5 s silences between
 * them (bench/speech-mix.ts), mixed with each recording of ../shared/datasets/noise at 20, 10,
 * 5 and 0 dB SNR (speech active level over the noise's mean power), then frame-level (10 ms)
 * precision and recall of src/core/vad against the clean-signal reference (frames within 35 dB
 * of their clip's loudest frame, pauses under 0.2 s inside a clip filled). Also: how many
 * 3 s noise-only excerpts (no speech at all) are refused, and the detector's CPU cost.
 * Usage: npm run bench:vad [-- --clips N --data DIR --noise DIR].
 */
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRng } from '../src/core/random.js';
import { detectSpeech, type SpeechSegment, type VadOptions } from '../src/core/vad/index.js';
import { decodeFile } from '../src/node/decode.js';
import { FRAME_SEC, mixAtSnr, SR, speechTrack } from './speech-mix.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(here, '../../shared/datasets/emodb') },
    noise: { type: 'string', default: resolve(here, '../../shared/datasets/noise') },
    clips: { type: 'string', default: '40' },
    /** Detector options to try, as JSON (e.g. '{"activeSnrDb": 4}'). */
    options: { type: 'string', default: '{}' },
  },
});
for (const d of [args.data, args.noise]) {
  if (!existsSync(d)) {
    console.log(`bench:vad: ${d} is missing; it needs ../shared/datasets (emodb and noise)`);
    process.exit(0);
  }
}

/** Frame flags of detected segments, on the reference's 10 ms grid. */
function detectedFrames(segments: SpeechSegment[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (const s of segments) {
    const a = Math.max(0, Math.round(s.startSec / FRAME_SEC));
    const b = Math.min(n, Math.round(s.endSec / FRAME_SEC));
    if (b > a) out.fill(1, a, b);
  }
  return out;
}

function score(ref: Uint8Array, det: Uint8Array): { precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < ref.length; i++) {
    if (det[i] && ref[i]) tp++;
    else if (det[i]) fp++;
    else if (ref[i]) fn++;
  }
  return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn) };
}

const vadOptions = JSON.parse(args.options) as Partial<VadOptions>;
const pct = (v: number) => (100 * v).toFixed(1).padStart(5);
const track = await speechTrack(args.data, Number(args.clips));
const totalSec = track.samples.length / SR;
const speechSec = track.reference.reduce((a, b) => a + b, 0) * FRAME_SEC;
console.log(
  `bench:vad: ${track.clips.length} EMO-DB clips, ${totalSec.toFixed(1)} s track, ${speechSec.toFixed(1)} s reference speech ` +
    `(${((100 * speechSec) / totalSec).toFixed(0)} %); load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
);

let cpuSec = 0;
let audioSec = 0;
function timedDetect(x: Float32Array): SpeechSegment[] {
  const c0 = process.cpuUsage();
  const segs = detectSpeech(x, SR, vadOptions);
  const c = process.cpuUsage(c0);
  cpuSec += (c.user + c.system) / 1e6;
  audioSec += x.length / SR;
  return segs;
}

const clean = score(track.reference, detectedFrames(timedDetect(track.samples), track.reference.length));
console.log(`\nclean: precision ${pct(clean.precision)} %, recall ${pct(clean.recall)} %`);

const snrs = [20, 10, 5, 0];
console.log(`\nframe precision / recall % by noise and SNR (dB)`);
console.log(`| noise | ${snrs.map((s) => `${s} dB`).join(' | ')} | noise-only 3 s excerpts refused |`);
console.log(`| --- | ${snrs.map(() => '---').join(' | ')} | --- |`);
const noiseFiles = readdirSync(args.noise)
  .filter((f) => f.endsWith('.flac'))
  .sort();
for (const f of noiseFiles) {
  const noise = (await decodeFile(resolve(args.noise, f), { targetSampleRate: SR, maxDurationSec: 3600 }))
    .samples;
  const cells = snrs.map((snr) => {
    const mixed = mixAtSnr(track, noise, snr);
    const s = score(track.reference, detectedFrames(timedDetect(mixed), track.reference.length));
    return `${pct(s.precision)} / ${pct(s.recall)}`;
  });
  // Noise alone, at the recording's own level: 20 seeded 3 s excerpts.
  const rng = seededRng(7);
  let refused = 0;
  const n = 20;
  for (let i = 0; i < n; i++) {
    const a = Math.floor(rng() * (noise.length - 3 * SR));
    if (timedDetect(noise.subarray(a, a + 3 * SR)).length === 0) refused++;
  }
  console.log(`| ${f.replace('.flac', '')} | ${cells.join(' | ')} | ${refused}/${n} |`);
}

// Mains hum: 50 Hz and 7 harmonics, 3 s.
const hum = new Float32Array(3 * SR);
for (let i = 0; i < hum.length; i++)
  for (let h = 1; h <= 8; h++) hum[i] += (0.1 / h) * Math.sin((2 * Math.PI * 50 * h * i) / SR);
console.log(
  `| 50 Hz hum + 7 harmonics (synthetic) | | | | | ${timedDetect(hum).length === 0 ? '1/1' : '0/1'} |`,
);

console.log(
  `\nVAD CPU: ${((1000 * cpuSec) / audioSec).toFixed(2)} ms per second of audio ` +
    `(${(audioSec / cpuSec).toFixed(0)}x real time on one core); load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
);
