/**
 * Butterworth low- and high-pass filters as cascades of second-order sections (RBJ
 * cookbook biquads with the Butterworth pole Qs, bilinear transform with pre-warping),
 * run in transposed direct form II in double precision. Platform-neutral.
 */

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

function section(kind: 'lowpass' | 'highpass', cutoffHz: number, sampleRate: number, q: number): Biquad {
  const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  const b =
    kind === 'lowpass' ? [(1 - cos) / 2, 1 - cos, (1 - cos) / 2] : [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2];
  return { b0: b[0] / a0, b1: b[1] / a0, b2: b[2] / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/** The second-order sections of an even-order Butterworth filter with -3 dB at `cutoffHz`. */
export function butterworth(
  kind: 'lowpass' | 'highpass',
  order: number,
  cutoffHz: number,
  sampleRate: number,
): Biquad[] {
  if (!Number.isInteger(order) || order < 2 || order % 2 !== 0) {
    throw new RangeError(`butterworth: order must be an even integer >= 2, got ${order}`);
  }
  if (!(cutoffHz > 0 && cutoffHz < sampleRate / 2)) {
    throw new RangeError(
      `butterworth: cutoff must lie between 0 and Nyquist (${sampleRate / 2} Hz), got ${cutoffHz}`,
    );
  }
  const sections: Biquad[] = [];
  for (let k = 0; k < order / 2; k++) {
    const q = 1 / (2 * Math.cos((Math.PI * (2 * k + 1)) / (2 * order)));
    sections.push(section(kind, cutoffHz, sampleRate, q));
  }
  return sections;
}

/** Runs `x` through the sections in turn (zero initial state); returns a new array. */
export function filterBiquads(x: Float32Array, sections: readonly Biquad[]): Float32Array {
  const y = Float64Array.from(x);
  for (const s of sections) {
    let z1 = 0;
    let z2 = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      const o = s.b0 * v + z1;
      z1 = s.b1 * v - s.a1 * o + z2;
      z2 = s.b2 * v - s.a2 * o;
      y[i] = o;
    }
  }
  return Float32Array.from(y);
}
