/**
 * Emovox as a library: `import { loadModel, createServer } from 'emovox'`.
 * This file is the package's only public entry point; everything else is internal.
 */
export {
  bundledModelNames,
  EmotionModel,
  loadModel,
  ModelNotFoundError,
  parseProfile,
  serializeProfile,
  type LoadModelOptions,
  type ModelInfo,
  type PredictFileOptions,
  type PredictSignalOptions,
  type SignalOptions,
  type TimelineOptions,
} from './node/model.js';
export { createServer, emovoxServer, DEFAULT_DATA_DIR, type ServerOptions } from './node/create-server.js';
export type { RateLimit } from './node/server/security/rate-limit.js';
export { PredictError, type Prediction, type TimelineSegment } from './core/predict.js';
export { SpeakerProfile, SpeakerProfileError, type SpeakerProfileJSON } from './core/speaker-profile.js';
export { AudioError, ACCEPTED_FORMATS, type AudioErrorCode } from './core/audio/audio-error.js';
export { BACKEND_NAMES, type BackendName } from './node/backend.js';
