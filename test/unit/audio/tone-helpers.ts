/** Spectral measurements on test tones. */

/** Amplitude of the sinusoid at `hz` in `x` (least-squares fit of sin + cos over all of x). */
export function toneAmplitude(x: Float32Array, hz: number, sampleRate: number): number {
  let s = 0;
  let c = 0;
  const w = (2 * Math.PI * hz) / sampleRate;
  for (let i = 0; i < x.length; i++) {
    s += x[i] * Math.sin(w * i);
    c += x[i] * Math.cos(w * i);
  }
  return (2 / x.length) * Math.hypot(s, c);
}

/** Frequency in Hz of the largest bin of a Hann-windowed DFT of the middle 4096 samples (or fewer). */
export function dominantFrequency(x: Float32Array, sampleRate: number): number {
  const n = Math.min(4096, x.length);
  const start = Math.floor((x.length - n) / 2);
  const seg = new Float64Array(n);
  for (let i = 0; i < n; i++) seg[i] = x[start + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  // Goertzel recursion per bin: one cosine per bin instead of one per sample.
  let best = 0;
  let bestPower = -1;
  for (let k = 1; k < n / 2; k++) {
    const coeff = 2 * Math.cos((2 * Math.PI * k) / n);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const s0 = seg[i] + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (p > bestPower) {
      bestPower = p;
      best = k;
    }
  }
  return (best * sampleRate) / n;
}

export function sine(n: number, hz: number, sampleRate: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate);
  return x;
}

/** SNR in dB of `y` against the ideal sine it should be, over samples [from, to). */
export function snrDb(
  y: Float32Array,
  hz: number,
  sampleRate: number,
  amplitude = 0.5,
  from = 0,
  to = y.length,
): number {
  let signal = 0;
  let noise = 0;
  for (let i = from; i < to; i++) {
    const r = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate);
    signal += r * r;
    noise += (y[i] - r) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}
