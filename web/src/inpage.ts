/**
 * In-page inference: the same bundle (deep, classical or ensemble), feature code
 * (src/core/features, src/core/classical) and Predictor (src/core/predict.ts) as the server, on
 * tfjs in the browser. No speaker adaptation here: the profiles live in the server's store. Loaded lazily by engine.ts, so
 * tfjs is only downloaded when the in-page switch is turned on.
 */
import './zod-jitless.js'; // first: before any module below builds a zod schema
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadBundleFromUrl } from '../../src/core/bundle.js';
import { Predictor } from '../../src/core/predict.js';
import type { LocalEngine } from './engine.js';

/** The wasm binaries are copied next to the page by web/vite.config.ts (never a CDN). */
const WASM_DIR = 'tfjs-wasm/';

/** The one backend start of this page (null: not started, or the last start failed). */
let backendStart: Promise<string> | null = null;

/**
 * wasm first (the server's backend, so the same numbers), then webgl, then plain JS. Started once
 * per page: every engine shares it. Two engines loading at once (the in-page switch restored on
 * load, then another model chosen) each used to start it, and the second tf.setBackend('wasm')
 * while the first was still starting failed over to webgl, whose kernels then threw
 * "shouldExecuteOnCPU is not a function" on every prediction.
 */
export function initBrowserBackend(order: string[] = ['wasm', 'webgl', 'cpu']): Promise<string> {
  backendStart ??= startBackend(order).catch((e: unknown) => {
    backendStart = null; // a later switch-on may try again
    throw e;
  });
  return backendStart;
}

async function startBackend(order: string[]): Promise<string> {
  setWasmPaths(new URL(WASM_DIR, document.baseURI).href);
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next backend
    }
  }
  throw new Error(`no tfjs backend could start in this browser (tried ${order.join(', ')})`);
}

export async function loadLocalEngine(bundleUrl: string, modelId: string): Promise<LocalEngine> {
  const backend = await initBrowserBackend();
  // A wrapper, not `fetch` itself: tfjs calls fetchFunc as a method of its own object, and a
  // browser's fetch throws "Illegal invocation" unless called on window.
  const bundle = await loadBundleFromUrl(bundleUrl, (input, init) => fetch(input, init));
  const predictor = Predictor.fromBundle(bundle);
  return {
    modelId,
    sampleRateHz: predictor.sampleRate,
    backend,
    // No speaker profile in the page, so no adaptation to report.
    predict: async (samples) => {
      const { label, emoji, confidence, probabilities, uncertain } = await predictor.predict(samples);
      return { label, emoji, confidence, probabilities, uncertain };
    },
  };
}
