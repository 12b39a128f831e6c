/**
 * Resampler benchmark (not a test): CPU time of src/core/audio/resample.ts per converter
 * quality for 10 s of noise-like audio from 48 kHz and 44.1 kHz to 16 kHz, best of N runs,
 * reported as times real time (CPU seconds, so a busy machine distorts it less than wall time).
 * Usage: npx tsx bench/resample.ts [--runs N] [--seconds S]
 */
import { parseArgs } from 'node:util';
import { resample, type ResampleQuality } from '../src/core/audio/resample.js';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' } },
});
const runs = Number(args.runs);
const seconds = Number(args.seconds);

function testSignal(n: number, sampleRate: number): Float32Array {
  const x = new Float32Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    x[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / sampleRate) + 0.1 * (seed / 2 ** 32 - 0.5);
  }
  return x;
}

for (const fromHz of [48000, 44100]) {
  const x = testSignal(Math.round(seconds * fromHz), fromHz);
  for (const quality of ['best', 'medium', 'fastest'] as ResampleQuality[]) {
    await resample(x.subarray(0, fromHz), fromHz, 16000, quality); // warm-up
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const t0 = process.cpuUsage();
      await resample(x, fromHz, 16000, quality);
      const t = process.cpuUsage(t0);
      best = Math.min(best, (t.user + t.system) / 1e6);
    }
    console.log(
      `${fromHz} -> 16000 Hz ${quality.padEnd(7)} ${(best * 1000).toFixed(0).padStart(6)} ms CPU for ${seconds} s ` +
        `= ${(seconds / best).toFixed(0)}x real time`,
    );
  }
}
