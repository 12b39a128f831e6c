/** Worker thread of runFoldsInWorkers: initialises its backend, then runs each fold it is sent. */
import { errorRecord } from '../../../core/errors.js';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../../backend.js';
import { runDeepFold, type DeepFold, type DeepFoldContext } from './deep.js';
import type { DeepWorkerData, DeepWorkerMessage } from './deep-pool.js';

const d = workerData as DeepWorkerData;
const all = new Float32Array(d.signalBuffer);
const ctx: DeepFoldContext = {
  items: d.items,
  labels: d.labels,
  trainOptions: d.trainOptions,
  speakerNorm: d.speakerNorm,
  protocol: d.protocol,
  conditions: d.conditions,
  initialWeights: d.initialWeights,
  signals: new Map(d.signalIndex.map(([path, at, n]) => [path, all.subarray(at, at + n)])),
};
const ready = initBackend(d.backend);
const post = (m: DeepWorkerMessage) => parentPort!.postMessage(m);

parentPort!.on('message', ({ index, fold }: { index: number; fold: DeepFold }) => {
  void (async () => {
    try {
      await ready;
      const outcome = await runDeepFold(ctx, fold, (progress) => post({ type: 'batch', index, progress }));
      post({ type: 'done', index, outcome });
    } catch (err) {
      post({ type: 'error', index, error: errorRecord(err) });
    }
  })();
});
