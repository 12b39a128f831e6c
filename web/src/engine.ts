import { getModelInfo, type Prediction } from './api.js';

/** Runs a bundle inside the page: the audio never leaves the device. */
export interface LocalEngine {
  /** The rate the bundle's features expect (manifest.featureConfig.sampleRate). */
  sampleRateHz: number;
  /** The tfjs backend in use (wasm, webgl or cpu). */
  backend: string;
  predict(samples: Float32Array): Promise<Prediction>;
}

let loading: Promise<LocalEngine> | null = null;

/** Where the server publishes its bundle (GET /api/models -> bundleUrl), as an absolute URL. */
async function bundleUrl(): Promise<string> {
  const { bundleUrl } = await getModelInfo();
  if (!bundleUrl) {
    throw new Error('this server does not publish its model files, so the model cannot run in the page');
  }
  return new URL(bundleUrl, document.baseURI).href;
}

/** Loads tfjs, the bundle and the Predictor once, on first use (a separate chunk: no cost otherwise). */
export function localEngine(): Promise<LocalEngine> {
  if (!loading) {
    loading = Promise.all([bundleUrl(), import('./inpage.js')]).then(([url, m]) => m.loadLocalEngine(url));
    loading.catch(() => (loading = null)); // allow a retry after a failure
  }
  return loading;
}
