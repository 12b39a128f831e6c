import type { Prediction, Predictor } from '../../core/predict.js';
import type { AudioLimits, Classified } from './inference.js';

/** What the server needs of a Predictor (the real one, or any object of the same shape). */
export type ServerPredictor = Pick<Predictor, 'labels' | 'manifest' | 'predict'>;

/** The model the server answers with, the limits it applies to audio, and how it classifies bytes. */
export interface ModelContext extends AudioLimits {
  id: string;
  predictor: ServerPredictor;
  /** Decode + classify: in-process, or in the worker pool. */
  classify(bytes: Uint8Array): Promise<Classified>;
}

export type { Prediction };
