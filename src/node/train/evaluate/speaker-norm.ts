/**
 * Per-speaker z-normalisation: each speaker's features are standardised with that speaker's
 * own mean and standard deviation over all of their utterances. It uses no labels, so applying
 * it to a test speaker is fair, but it needs several clips of that speaker (transductive): a
 * figure with it is not what a single clip from a stranger gets.
 */
import type { Matrix } from '../../../core/classical/matrix.js';

const MIN_STD = 1e-8;

/** Frames-major matrix, structurally the same as FeatureMatrix in src/core/features. */
export interface FrameMatrix {
  data: Float32Array;
  frames: number;
  coeffs: number;
}

/**
 * Rows of x z-normalised per column within each speaker's rows (x is not modified). The mean and
 * standard deviation come from all of the speaker's rows, or from the rows `statRows` picks among
 * them (for example a few clips, as a speaker profile in use would have).
 */
export function speakerNormaliseRows(
  x: Matrix,
  speakers: readonly string[],
  statRows: (rows: number[], speaker: string) => number[] = (rows) => rows,
): Matrix {
  if (speakers.length !== x.rows) throw new RangeError(`${x.rows} rows but ${speakers.length} speaker ids`);
  const out: Matrix = { data: new Float64Array(x.data.length), rows: x.rows, cols: x.cols };
  const d = x.cols;
  for (const s of new Set(speakers)) {
    const rows = speakers.flatMap((v, i) => (v === s ? [i] : []));
    const stats = statRows(rows, s);
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const r of stats) for (let c = 0; c < d; c++) mean[c] += x.data[r * d + c];
    for (let c = 0; c < d; c++) mean[c] /= stats.length;
    for (const r of stats) {
      for (let c = 0; c < d; c++) {
        const v = x.data[r * d + c] - mean[c];
        sq[c] += v * v;
      }
    }
    for (let c = 0; c < d; c++) {
      const std = Math.sqrt(sq[c] / stats.length);
      sq[c] = std > MIN_STD ? std : 1;
    }
    for (const r of rows)
      for (let c = 0; c < d; c++) out.data[r * d + c] = (x.data[r * d + c] - mean[c]) / sq[c];
  }
  return out;
}

/** Per-coefficient mean and standard deviation (floored: constant coefficients get std 1). */
export interface FrameStats {
  mean: Float64Array;
  std: Float64Array;
}

/** Statistics pooled over every frame of the given matrices (all with the same coefficients). */
export function poolFrameStats(mats: readonly FrameMatrix[]): FrameStats {
  if (mats.length === 0) throw new RangeError('no frame matrices to take statistics from');
  const coeffs = mats[0].coeffs;
  const sum = new Float64Array(coeffs);
  const sq = new Float64Array(coeffs);
  let frames = 0;
  for (const [i, m] of mats.entries()) {
    if (m.coeffs !== coeffs)
      throw new RangeError(`matrix ${i} has ${m.coeffs} coefficients, expected ${coeffs}`);
    for (let t = 0; t < m.frames; t++) for (let c = 0; c < coeffs; c++) sum[c] += m.data[t * coeffs + c];
    frames += m.frames;
  }
  const mean = sum.map((v) => v / Math.max(frames, 1));
  for (const m of mats) {
    for (let t = 0; t < m.frames; t++) {
      for (let c = 0; c < coeffs; c++) {
        const v = m.data[t * coeffs + c] - mean[c];
        sq[c] += v * v;
      }
    }
  }
  const std = sq.map((v) => {
    const s = Math.sqrt(v / Math.max(frames, 1));
    return s > MIN_STD ? s : 1;
  });
  return { mean, std };
}

/** A new frames-major array (x - mean[c]) / std[c]. */
export function applyFrameStats(data: Float32Array, coeffs: number, stats: FrameStats): Float32Array {
  if (stats.mean.length !== coeffs)
    throw new RangeError(`statistics have ${stats.mean.length} coefficients, the frames ${coeffs}`);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = i % coeffs;
    out[i] = (data[i] - stats.mean[c]) / stats.std[c];
  }
  return out;
}

/** Indices of the items of each speaker, in order of first appearance. */
export function groupBySpeaker(speakers: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  speakers.forEach((s, i) => {
    const g = groups.get(s);
    if (g) g.push(i);
    else groups.set(s, [i]);
  });
  return groups;
}

/**
 * Frame-level matrices (one per utterance) z-normalised per coefficient with statistics pooled
 * over all frames of the same speaker's utterances. Returns new matrices.
 */
export function speakerNormaliseFrames(
  mats: readonly FrameMatrix[],
  speakers: readonly string[],
): FrameMatrix[] {
  if (speakers.length !== mats.length)
    throw new RangeError(`${mats.length} matrices but ${speakers.length} speaker ids`);
  const out: FrameMatrix[] = new Array(mats.length);
  for (const idx of groupBySpeaker(speakers).values()) {
    const stats = poolFrameStats(idx.map((i) => mats[i]));
    for (const i of idx) {
      const m = mats[i];
      out[i] = { data: applyFrameStats(m.data, m.coeffs, stats), frames: m.frames, coeffs: m.coeffs };
    }
  }
  return out;
}
