import type { ModelInfo, Prediction } from './api.js';
import { currentModel } from './choice.js';

/** Runs a bundle inside the page: the audio never leaves the device. */
export interface LocalEngine {
  /** The model this engine runs (GET /api/models id). */
  modelId: string;
  /** The rate the bundle's features expect (manifest.featureConfig.sampleRate). */
  sampleRateHz: number;
  /** The tfjs backend in use (wasm, webgl or cpu). */
  backend: string;
  predict(samples: Float32Array): Promise<Prediction>;
}

const loading = new Map<string, Promise<LocalEngine>>();

/** Where the server publishes a model's bundle (GET /api/models -> bundleUrl), as an absolute URL. */
function bundleUrl(model: ModelInfo): string {
  if (!model.bundleUrl) {
    throw new Error('this server does not publish its model files, so the model cannot run in the page');
  }
  return new URL(model.bundleUrl, document.baseURI).href;
}

/**
 * Loads tfjs, the chosen model's bundle (deep, classical or ensemble) and the Predictor once per
 * model, on first use (a separate chunk: no cost otherwise).
 */
export async function localEngine(): Promise<LocalEngine> {
  const model = await currentModel();
  let engine = loading.get(model.id);
  if (!engine) {
    const url = bundleUrl(model);
    engine = import('./inpage.js').then((m) => m.loadLocalEngine(url, model.id));
    loading.set(model.id, engine);
    engine.catch(() => loading.delete(model.id)); // allow a retry after a failure
  }
  return engine;
}
