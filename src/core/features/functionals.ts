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

/** `sorted` holds, at least at the ranks the functional reads (functionalRanks), the sorted series' values. */
type Functional = (sorted: Float64Array, series: Float64Array, mean: number) => number;

/** The value at percentile q (0..100) of a sorted series, linear interpolation between ranks. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** The ranks percentileSorted reads for percentile q (0..100) of n sorted values. */
export function percentileRanks(n: number, q: number): [number, number] {
  const lo = Math.floor((q / 100) * (n - 1));
  return [lo, Math.min(lo + 1, n - 1)];
}

/**
 * Reorders a[0 .. n) so that a[r] holds the r-th smallest value for every r in `ranks`
 * (ascending), with smaller values before it and larger after: a multi-quickselect (one
 * partition, then only the sides that hold a wanted rank, median-of-three pivots, insertion
 * sort below 16 values). The values at those ranks equal a full sort's, at a fraction of its
 * cost: statistics that read only a few order statistics (min, max, percentiles) take them
 * from a after this. Finite values only.
 */
export function selectRanks(a: Float64Array, n: number, ranks: readonly number[]): void {
  // Ranges [lo, hi] with the slice [rFrom, rTo) of ranks inside them, depth first.
  const stack: number[] = [0, n - 1, 0, ranks.length];
  while (stack.length > 0) {
    const rTo = stack.pop()!;
    const rFrom = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (rFrom >= rTo || hi <= lo) continue;
    if (hi - lo < 16) {
      for (let i = lo + 1; i <= hi; i++) {
        const v = a[i];
        let j = i - 1;
        while (j >= lo && a[j] > v) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
      continue;
    }
    const x = a[lo];
    const y = a[(lo + hi) >> 1];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[lo..j] <= pivot <= a[i..hi], j < i, and everything between equals the pivot.
    let left = rFrom;
    while (left < rTo && ranks[left] <= j) left++;
    let right = left;
    while (right < rTo && ranks[right] < i) right++;
    stack.push(lo, j, rFrom, left, i, hi, right, rTo);
  }
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

/** The ranks (ascending, distinct) that the named functionals read from the sorted series of n values. */
function functionalRanks(names: readonly string[], n: number): number[] {
  const ranks = new Set<number>();
  for (const name of names) {
    if (name === 'min') ranks.add(0);
    else if (name === 'max') ranks.add(n - 1);
    else {
      const m = /^p(\d{1,3})$/.exec(name);
      if (m) for (const r of percentileRanks(n, Number(m[1]))) ranks.add(r);
    }
  }
  return [...ranks].sort((a, b) => a - b);
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
  const sorted = new Float64Array(m.frames);
  const ranks = functionalRanks(names, m.frames);
  for (let c = 0; c < m.coeffs; c++) {
    let sum = 0;
    for (let t = 0; t < m.frames; t++) {
      series[t] = m.data[t * m.coeffs + c];
      sum += series[t];
    }
    const mean = sum / m.frames;
    sorted.set(series);
    selectRanks(sorted, m.frames, ranks);
    fns.forEach((f, i) => {
      values[c * names.length + i] = f(sorted, series, mean);
      outNames.push(`${prefix}${c}_${names[i]}`);
    });
  }
  return { values, names: outNames };
}
