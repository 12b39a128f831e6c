/** A frames-major matrix of features: row t is data[t * coeffs .. (t + 1) * coeffs). */
import { EmovoxError } from '../errors.js';
export interface FeatureMatrix {
  data: Float32Array;
  frames: number;
  coeffs: number;
}

/** A signal or feature input that cannot be processed (user-facing). */
export class FeatureError extends EmovoxError {
  constructor(message: string) {
    super('BAD_FEATURE_INPUT', message);
  }
}
