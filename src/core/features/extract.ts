/** One entry point: the feature matrix a FeatureConfig describes (kind, then deltas per deltaOrder). */
import type { FeatureConfig } from './config.js';
import { parseFeatureConfig } from './config.js';
import { deltas, stackColumns } from './deltas.js';
import { logMelDb } from './logmel.js';
import type { FeatureMatrix } from './matrix.js';
import { mfccRows } from './mfcc.js';

/** Width of the delta window used by extractFeatures (see deltas.ts). */
export const DELTA_WIDTH = 9;

export function extractFeatures(x: Float32Array, cfg: FeatureConfig): FeatureMatrix {
  const c = parseFeatureConfig(cfg);
  const base =
    c.kind === 'mfcc'
      ? (({ data, frames, nMfcc }) => ({ data: Float32Array.from(data), frames, coeffs: nMfcc }))(
          mfccRows(x, c),
        )
      : (({ data, frames, nMels }) => ({ data: Float32Array.from(data), frames, coeffs: nMels }))(
          logMelDb(x, c),
        );
  if (c.deltaOrder === 0) return base;
  const d1 = deltas(base, DELTA_WIDTH);
  if (c.deltaOrder === 1) return stackColumns([base, d1]);
  return stackColumns([base, d1, deltas(d1, DELTA_WIDTH)]);
}
