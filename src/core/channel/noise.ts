/**
 * Additive noise at a target signal-to-noise ratio. Speech power is measured on active
 * frames (20 ms frames whose power is within 30 dB of the loudest frame), so pauses do not
 * lower it; noise power is the mean over the segment mixed in. Noise comes from recordings
 * (looped when shorter than the clip, random offset) or is babble: the sum of 3-6
 * utterances of other speakers, each brought to the same active level. Platform-neutral.
 */
import { randomInt, type RandomFn } from '../random.js';
import { ChannelError } from './channel-error.js';

/** Frame length for the active-speech measure, seconds. */
export const ACTIVE_FRAME_S = 0.02;
/** Frames more than this far below the loudest frame count as pauses. */
export const ACTIVE_RANGE_DB = 30;

/** Mean power over the active frames of `x` (0 for digital silence). */
export function activePower(x: Float32Array, sampleRate: number): number {
  const len = Math.max(1, Math.round(ACTIVE_FRAME_S * sampleRate));
  const powers: number[] = [];
  for (let s = 0; s < x.length; s += len) {
    const e = Math.min(x.length, s + len);
    let p = 0;
    for (let i = s; i < e; i++) p += x[i] * x[i];
    powers.push(p / (e - s));
  }
  const max = Math.max(0, ...powers);
  if (max === 0) return 0;
  const floor = max * Math.pow(10, -ACTIVE_RANGE_DB / 10);
  const active = powers.filter((p) => p >= floor);
  return active.reduce((a, b) => a + b, 0) / active.length;
}

function meanPower(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) p += x[i] * x[i];
  return x.length ? p / x.length : 0;
}

/** `length` samples of `noise` from a random offset, wrapping around when it is shorter. */
export function noiseSegment(noise: Float32Array, length: number, rng: RandomFn): Float32Array {
  if (noise.length === 0) throw new ChannelError('noise: the noise recording is empty');
  const out = new Float32Array(length);
  let j = randomInt(rng, noise.length);
  for (let i = 0; i < length; i++) {
    out[i] = noise[j];
    if (++j === noise.length) j = 0;
  }
  return out;
}

/**
 * x + g * noise with g chosen so that activePower(x) / power(g * noise) = 10^(snrDb/10).
 * A silent `x` is returned unchanged (no SNR is defined). No clipping is applied.
 */
export function mixAtSnr(
  x: Float32Array,
  noise: Float32Array,
  snrDb: number,
  sampleRate: number,
): Float32Array {
  if (noise.length !== x.length) throw new RangeError('mixAtSnr: noise and signal lengths differ');
  const ps = activePower(x, sampleRate);
  const pn = meanPower(noise);
  if (ps === 0) return new Float32Array(x);
  if (pn === 0)
    throw new ChannelError(
      'noise: the chosen noise segment is digital silence; use recordings without silent stretches',
    );
  const g = Math.sqrt(ps / (pn * Math.pow(10, snrDb / 10)));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + g * noise[i];
  return out;
}

export interface BabbleSource {
  speaker: string;
  samples: Float32Array;
}

/** Babble of `length` samples: 3-6 utterances of speakers other than `exclude`, summed at equal active level. */
export function babble(
  pool: readonly BabbleSource[],
  length: number,
  sampleRate: number,
  rng: RandomFn,
  exclude?: string,
): Float32Array {
  const others = pool.filter((p) => p.speaker !== exclude && activePower(p.samples, sampleRate) > 0);
  if (others.length < 3) {
    throw new ChannelError(
      `babble needs at least 3 utterances of other speakers, got ${others.length}` +
        (exclude ? ` (excluding speaker ${exclude})` : ''),
    );
  }
  const k = Math.min(others.length, 3 + randomInt(rng, 4));
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(randomInt(rng, others.length));
  const out = new Float32Array(length);
  for (const i of [...chosen].sort((a, b) => a - b)) {
    const u = others[i].samples;
    const g = 1 / Math.sqrt(activePower(u, sampleRate));
    const seg = noiseSegment(u, length, rng);
    for (let j = 0; j < length; j++) out[j] += g * seg[j];
  }
  return out;
}

/** A uniformly chosen element of a non-empty list. */
export function randomChoice<T>(items: readonly T[], rng: RandomFn): T {
  return items[randomInt(rng, items.length)];
}
