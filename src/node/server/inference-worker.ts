/**
 * A worker thread of the inference pool: loads every served bundle once, then decodes and
 * classifies the audio bytes it is sent with the model named in each message. See inference-pool.ts.
 */
import { errorRecord } from '../../core/errors.js';
import { parentPort, workerData } from 'node:worker_threads';
import { Predictor } from '../../core/predict.js';
import { initBackend } from '../backend.js';
import { loadBundleFromDir } from '../bundle-io.js';
import { classifyBytes } from './inference.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './inference-pool.js';

const data = workerData as WorkerData;
const port = parentPort!;
try {
  await initBackend(data.backend);
  const predictors = new Map<string, Predictor>();
  for (const m of data.models) predictors.set(m.id, Predictor.fromBundle(await loadBundleFromDir(m.dir)));
  const limits = { maxDurationSec: data.maxDurationSec, minDurationSec: data.minDurationSec };
  port.on('message', async (req: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      const predictor = predictors.get(req.modelId);
      if (!predictor) throw new Error(`inference worker has no model "${req.modelId}"`);
      reply = {
        id: req.id,
        ok: true,
        result: await classifyBytes(req.bytes, predictor, limits, req.request),
      };
    } catch (err) {
      reply = { id: req.id, ok: false, error: errorRecord(err) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, message: (err as Error).message });
}
