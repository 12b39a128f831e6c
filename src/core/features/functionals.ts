/**
 * Utterance-level functionals of each coefficient over time, for classical models:
 * mean, std (population), min, max, percentiles 'pNN' (linear interpolation, as numpy) and
 * slope (least-squares change per frame). Values are coefficient-major and named
 * `${prefix}${coefficient}_${functional}`, e.g. mfcc3_mean.
 */
import type { FeatureMatrix } from './matrix.js';
import { FeatureError } from './matrix.js';

export const DEFAULT_FUNCTIONALS: readonly string[] = [
  'mean',
  'std',
  'min',
  'max',
  'p10',
  'p50',
  'p90',
  'slope',
];

type Functional = (sorted: Float64Array, series: Float64Array, mean: number) => number;

/** The value at percentile q (0..100) of a sorted series, linear interpolation between ranks. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Least-squares slope of a series against its index (0 for a single value). */
export function slopePerFrame(series: ArrayLike<number>, mean: number): number {
  const n = series.length;
  if (n < 2) return 0;
  const tMean = (n - 1) / 2;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tMean) * (series[t] - mean);
    den += (t - tMean) * (t - tMean);
  }
  return num / den;
}

function functionalFor(name: string): Functional {
  switch (name) {
    case 'mean':
      return (_s, _x, mean) => mean;
    case 'std':
      return (_s, x, mean) => {
        let acc = 0;
        for (let i = 0; i < x.length; i++) acc += (x[i] - mean) * (x[i] - mean);
        return Math.sqrt(acc / x.length);
      };
    case 'min':
      return (s) => s[0];
    case 'max':
      return (s) => s[s.length - 1];
    case 'slope':
      return (_s, x, mean) => slopePerFrame(x, mean);
  }
  const m = /^p(\d{1,3})$/.exec(name);
  if (m && Number(m[1]) <= 100) {
    const q = Number(m[1]);
    return (s) => percentileSorted(s, q);
  }
  throw new FeatureError(
    `unknown functional '${name}'; accepted: mean, std, min, max, slope and percentiles p0 .. p100 (e.g. p90)`,
  );
}

export function utteranceFunctionals(
  m: FeatureMatrix,
  names: readonly string[] = DEFAULT_FUNCTIONALS,
  prefix: string = 'mfcc',
): { values: Float32Array; names: string[] } {
  if (m.frames < 1) throw new FeatureError('functionals need at least one frame');
  const fns = names.map(functionalFor);
  const values = new Float32Array(m.coeffs * names.length);
  const outNames: string[] = [];
  const series = new Float64Array(m.frames);
  for (let c = 0; c < m.coeffs; c++) {
    let sum = 0;
    for (let t = 0; t < m.frames; t++) {
      series[t] = m.data[t * m.coeffs + c];
      sum += series[t];
    }
    const mean = sum / m.frames;
    const sorted = Float64Array.from(series).sort();
    fns.forEach((f, i) => {
      values[c * names.length + i] = f(sorted, series, mean);
      outNames.push(`${prefix}${c}_${names[i]}`);
    });
  }
  return { values, names: outNames };
}
