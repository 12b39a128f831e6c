/**
 * The server under test for bench/serve.ts, run in its own process so the load generator does
 * not share its event loop. Serves the Emovox app plus, as the peer, `POST /bench/floor`:
 * the same body parsing with a constant answer (the HTTP + upload floor, no decoding or model).
 * Usage (via fork with IPC): tsx bench/serve-target.ts MODEL_DIR DATA_DIR WORKERS
 * Sends { port } once listening; answers { rss } to the message 'rss'.
 */
import { Predictor } from '../src/core/predict.js';
import { initBackend } from '../src/node/backend.js';
import { loadBundleFromDir } from '../src/node/bundle-io.js';
import { buildApp } from '../src/node/server/app.js';
import { readAudioUpload } from '../src/node/server/audio-upload.js';
import { basename } from 'node:path';

const [modelDir, dataDir, workers] = process.argv.slice(2);
await initBackend('wasm');
const predictor = Predictor.fromBundle(await loadBundleFromDir(modelDir));
const app = await buildApp({
  predictor,
  dataDir,
  modelId: basename(modelDir),
  modelDir,
  webRoot: null,
  workers: Number(workers ?? 0),
});
const constant = {
  label: predictor.labels[0],
  emoji: '😐',
  confidence: 1,
  probabilities: { [predictor.labels[0]]: 1 },
};
app.post('/bench/floor', async (request) => {
  const upload = await readAudioUpload(request);
  return { ...constant, durationSec: upload.bytes.length / 32000, modelId: 'floor' };
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ port: Number(new URL(address).port) });
process.on('message', (m) => {
  if (m === 'rss') {
    global.gc?.();
    process.send?.({ rss: process.memoryUsage().rss });
  }
  if (m === 'stop') void app.close().then(() => process.exit(0));
});
