/**
 * Per-speaker z-normalisation: each speaker's features are standardised with that speaker's
 * own mean and standard deviation over all of their utterances. It uses no labels, so applying
 * it to a test speaker is fair, but it needs several clips of that speaker (transductive): a
 * figure with it is not what a single clip from a stranger gets.
 */
import type { Matrix } from '../../core/classical/matrix.js';

const MIN_STD = 1e-8;

/** Frames-major matrix, structurally the same as FeatureMatrix in src/core/features. */
export interface FrameMatrix {
  data: Float32Array;
  frames: number;
  coeffs: number;
}

/** Rows of x z-normalised per column within each speaker's rows (x is not modified). */
export function speakerNormaliseRows(x: Matrix, speakers: readonly string[]): Matrix {
  if (speakers.length !== x.rows) throw new RangeError(`${x.rows} rows but ${speakers.length} speaker ids`);
  const out: Matrix = { data: new Float64Array(x.data.length), rows: x.rows, cols: x.cols };
  const d = x.cols;
  for (const s of new Set(speakers)) {
    const rows = speakers.flatMap((v, i) => (v === s ? [i] : []));
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const r of rows) for (let c = 0; c < d; c++) mean[c] += x.data[r * d + c];
    for (let c = 0; c < d; c++) mean[c] /= rows.length;
    for (const r of rows) {
      for (let c = 0; c < d; c++) {
        const v = x.data[r * d + c] - mean[c];
        sq[c] += v * v;
      }
    }
    for (let c = 0; c < d; c++) {
      const std = Math.sqrt(sq[c] / rows.length);
      sq[c] = std > MIN_STD ? std : 1;
    }
    for (const r of rows)
      for (let c = 0; c < d; c++) out.data[r * d + c] = (x.data[r * d + c] - mean[c]) / sq[c];
  }
  return out;
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
  for (const s of new Set(speakers)) {
    const idx = speakers.flatMap((v, i) => (v === s ? [i] : []));
    const coeffs = mats[idx[0]].coeffs;
    const sum = new Float64Array(coeffs);
    const sq = new Float64Array(coeffs);
    let frames = 0;
    for (const i of idx) {
      const m = mats[i];
      if (m.coeffs !== coeffs)
        throw new RangeError(`utterance ${i} has ${m.coeffs} coefficients, expected ${coeffs}`);
      for (let t = 0; t < m.frames; t++) for (let c = 0; c < coeffs; c++) sum[c] += m.data[t * coeffs + c];
      frames += m.frames;
    }
    const mean = sum.map((v) => v / Math.max(frames, 1));
    for (const i of idx) {
      const m = mats[i];
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
    for (const i of idx) {
      const m = mats[i];
      const data = new Float32Array(m.data.length);
      for (let t = 0; t < m.frames; t++) {
        for (let c = 0; c < coeffs; c++) data[t * coeffs + c] = (m.data[t * coeffs + c] - mean[c]) / std[c];
      }
      out[i] = { data, frames: m.frames, coeffs };
    }
  }
  return out;
}
