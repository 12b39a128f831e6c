/**
 * Room reverberation from a simulated impulse response: a direct-path impulse followed,
 * after a short pre-delay, by Gaussian noise whose energy decays by 60 dB in RT60 seconds
 * (the exponential-decay model of a diffuse field). Applied by FFT convolution and scaled
 * back to the input's RMS, so reverb changes the sound and not the level. Platform-neutral.
 */
import { rms } from '../audio/signal.js';
import type { RandomFn } from '../random.js';
import { fftConvolve } from './convolve.js';

export const RT60_MIN_S = 0.2;
export const RT60_MAX_S = 1.0;

/** Standard normal from two uniforms (Box-Muller). */
export function gaussian(rng: RandomFn): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export interface RirOptions {
  /** Time for the reverberant energy to fall by 60 dB, seconds. */
  rt60: number;
  sampleRate: number;
  /** Direct-to-reverberant energy ratio in dB (default 0). */
  drrDb?: number;
  /** Gap between the direct sound and the tail, seconds (default 5 ms). */
  preDelay?: number;
}

/** An impulse response of length 1.2 x RT60 (the tail is then 72 dB down). */
export function exponentialRir(o: RirOptions, rng: RandomFn): Float32Array {
  if (!(o.rt60 > 0 && o.rt60 <= 5)) throw new RangeError(`reverb: RT60 must be in (0, 5] s, got ${o.rt60}`);
  const n = Math.max(2, Math.round(1.2 * o.rt60 * o.sampleRate));
  const h = new Float32Array(n);
  const start = Math.min(n - 1, Math.max(1, Math.round((o.preDelay ?? 0.005) * o.sampleRate)));
  // Amplitude decays as exp(-3 ln 10 t / RT60): energy falls 60 dB in RT60.
  const k = (3 * Math.LN10) / (o.rt60 * o.sampleRate);
  let tailEnergy = 0;
  for (let i = start; i < n; i++) {
    h[i] = gaussian(rng) * Math.exp(-k * (i - start));
    tailEnergy += h[i] * h[i];
  }
  const drr = Math.pow(10, (o.drrDb ?? 0) / 10);
  const g = tailEnergy > 0 ? Math.sqrt(1 / (drr * tailEnergy)) : 0;
  for (let i = start; i < n; i++) h[i] *= g;
  h[0] = 1;
  return h;
}

/** `x` convolved with `rir`, cut to x's length and scaled to x's RMS. */
export function applyRir(x: Float32Array, rir: Float32Array): Float32Array {
  const y = fftConvolve(x, rir).subarray(0, x.length);
  const a = rms(x);
  const b = rms(y);
  const out = new Float32Array(y);
  if (b > 0) for (let i = 0; i < out.length; i++) out[i] *= a / b;
  return out;
}

/**
 * RT60 estimated from an impulse response by Schroeder backward integration: the slope of the
 * energy decay curve between -5 and -25 dB (T20), extrapolated to 60 dB.
 */
export function measureRt60(h: Float32Array, sampleRate: number): number {
  const edc = new Float64Array(h.length);
  let acc = 0;
  for (let i = h.length - 1; i >= 0; i--) {
    acc += h[i] * h[i];
    edc[i] = acc;
  }
  const db = (i: number) => 10 * Math.log10(edc[i] / edc[0]);
  // Least-squares line through the EDC between -5 and -25 dB.
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let n = 0;
  for (let i = 0; i < h.length; i++) {
    const d = db(i);
    if (d > -5) continue;
    if (d < -25) break;
    const t = i / sampleRate;
    sx += t;
    sy += d;
    sxx += t * t;
    sxy += t * d;
    n++;
  }
  if (n < 2) throw new RangeError('measureRt60: the decay curve never falls from -5 to -25 dB');
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return -60 / slope;
}
