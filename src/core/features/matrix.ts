/** A frames-major matrix of features: row t is data[t * coeffs .. (t + 1) * coeffs). */
export interface FeatureMatrix {
  data: Float32Array;
  frames: number;
  coeffs: number;
}

/** A signal or feature input that cannot be processed (user-facing). */
export class FeatureError extends Error {
  readonly code = 'BAD_FEATURE_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'FeatureError';
  }
}
