/**
 * Test material for the VAD and streaming benches: EMO-DB clips laid end to end with silences
 * between them, the speech reference of every 10 ms frame, and noise mixed in at an SNR.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { seededRng, shuffleInPlace } from '../src/core/random.js';
import { decodeFile } from '../src/node/decode.js';

export const SR = 16_000;
/** Reference frame length (s). */
export const FRAME_SEC = 0.01;

export interface SpeechTrack {
  samples: Float32Array;
  /** Where each clip lies in the track (s). */
  clips: { startSec: number; endSec: number; file: string }[];
  /** Per 10 ms frame: 1 where the clean speech is speech (see referenceFrames). */
  reference: Uint8Array;
}

/** The EMO-DB files listed in the corpus manifest. */
export function emodbFiles(dir: string): string[] {
  const lines = readFileSync(resolve(dir, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => resolve(dir, l.split('\t')[0]));
}

/**
 * Frame reference inside one clean clip: frames whose energy is within `rangeDb` of the clip's
 * loudest frame are speech, and gaps shorter than `fillSec` between them are filled (the short
 * pauses inside an utterance count as speech, as any VAD's hangover would have them).
 */
export function referenceFrames(x: Float32Array, rangeDb = 35, fillSec = 0.2): Uint8Array {
  const hop = Math.round(FRAME_SEC * SR);
  const n = Math.floor(x.length / hop);
  const e = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * hop; j < (i + 1) * hop; j++) s += x[j] * x[j];
    e[i] = s / hop;
    if (e[i] > max) max = e[i];
  }
  const thr = max * Math.pow(10, -rangeDb / 10);
  const ref = Uint8Array.from(e, (v) => (v > thr ? 1 : 0));
  const fill = Math.round(fillSec / FRAME_SEC);
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (!ref[i]) continue;
    if (last >= 0 && i - last - 1 <= fill) ref.fill(1, last + 1, i);
    last = i;
  }
  return ref;
}

/** `count` seeded EMO-DB clips with silences of `gapSec` (min..max) between and around them. */
export async function speechTrack(
  dataDir: string,
  count: number,
  seed = 1,
  gapSec: [number, number] = [0.8, 2.5],
): Promise<SpeechTrack> {
  const rng = seededRng(seed);
  const files = shuffleInPlace(emodbFiles(dataDir), rng).slice(0, count) as string[];
  const parts: Float32Array[] = [];
  const clips: SpeechTrack['clips'] = [];
  let len = 0;
  const gap = () => new Float32Array(Math.round((gapSec[0] + rng() * (gapSec[1] - gapSec[0])) * SR));
  for (const f of files) {
    const g = gap();
    parts.push(g);
    len += g.length;
    const x = (await decodeFile(f, { targetSampleRate: SR })).samples;
    clips.push({ startSec: len / SR, endSec: (len + x.length) / SR, file: f });
    parts.push(x);
    len += x.length;
  }
  parts.push(gap());
  len += parts[parts.length - 1].length;
  const samples = new Float32Array(len);
  let o = 0;
  for (const p of parts) {
    samples.set(p, o);
    o += p.length;
  }
  const reference = new Uint8Array(Math.floor(len / (FRAME_SEC * SR)));
  for (const c of clips) {
    const a = Math.round(c.startSec * SR);
    const r = referenceFrames(samples.subarray(a, Math.round(c.endSec * SR)));
    reference.set(r.subarray(0, reference.length - a / (FRAME_SEC * SR)), Math.round(a / (FRAME_SEC * SR)));
  }
  return { samples, clips, reference };
}

/** Mean power of the samples in the reference speech frames. */
export function speechPower(t: SpeechTrack): number {
  const hop = FRAME_SEC * SR;
  let s = 0;
  let n = 0;
  for (let i = 0; i < t.reference.length; i++) {
    if (!t.reference[i]) continue;
    for (let j = i * hop; j < (i + 1) * hop; j++) s += t.samples[j] * t.samples[j];
    n += hop;
  }
  return s / Math.max(1, n);
}

/**
 * The track with `noise` (looped from a seeded offset) added at `snrDb`: the noise is scaled so
 * that the speech's active level (mean power over reference speech frames) is snrDb above the
 * noise's mean power.
 */
export function mixAtSnr(t: SpeechTrack, noise: Float32Array, snrDb: number, seed = 1): Float32Array {
  let np = 0;
  for (let i = 0; i < noise.length; i++) np += noise[i] * noise[i];
  np /= noise.length;
  const gain = Math.sqrt(speechPower(t) / (np * Math.pow(10, snrDb / 10)));
  const off = Math.floor(seededRng(seed)() * noise.length);
  const out = new Float32Array(t.samples.length);
  for (let i = 0; i < out.length; i++) out[i] = t.samples[i] + gain * noise[(off + i) % noise.length];
  return out;
}
