import type { FastifyInstance } from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Predictor } from '../../../src/core/predict.js';
import { initBackend } from '../../../src/node/backend.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { buildApp, type AppOptions } from '../../../src/node/server/app.js';
import { encodeWav16 } from '../../helpers/wav-file.js';
import { seededRandom, voiceLikeTone } from '../../helpers/tones.js';

export const TINY_BUNDLE = resolve(fileURLToPath(new URL('../../fixtures/bundles/tiny', import.meta.url)));

let predictor: Predictor | undefined;

/** The tiny test bundle's predictor (loaded once per test file). */
export async function tinyPredictor(): Promise<Predictor> {
  if (!predictor) {
    await initBackend();
    predictor = Predictor.fromBundle(await loadBundleFromDir(TINY_BUNDLE));
  }
  return predictor;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'emovox-api-'));
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
}

/** A real server on a free port of 127.0.0.1 with the tiny bundle and a temp (or given) data dir. */
export async function startServer(options: Partial<AppOptions> = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  const app = await buildApp({
    predictor: await tinyPredictor(),
    modelId: 'tiny',
    modelDir: TINY_BUNDLE,
    webRoot: null,
    ...options,
    dataDir,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, dataDir };
}

/** A voice-like synthetic clip as 16-bit WAV bytes. */
export function voiceWav(durationSec = 1.5, startHz = 200, endHz = 200, seed = 1): Uint8Array<ArrayBuffer> {
  return wavBytes(voiceLikeTone({ startHz, endHz, durationSec, amplitude: 0.4, rng: seededRandom(seed) }));
}

/** WAV bytes of `samples` (16-bit), typed as a fetch body. */
export function wavBytes(samples: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(encodeWav16(samples));
}

export function multipart(bytes: Uint8Array, fileName = 'clip.wav', type = 'audio/wav'): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), fileName);
  return form;
}
