/**
 * Runs folds of a deep evaluation in worker threads, `jobs` at a time. The decoded signals go
 * to the workers once, in one SharedArrayBuffer (no copy per worker); each worker initialises
 * its own tfjs backend and runs whole folds with runDeepFold, so a fold's result does not
 * depend on which thread ran it.
 */
import { Worker } from 'node:worker_threads';
import { WorkerError, type ErrorRecord } from '../../../core/errors.js';
import type { BackendName } from '../../backend.js';
import type { DeepFold, DeepFoldContext, DeepFoldOutcome } from './deep.js';
import type { BatchProgress } from '../trainer.js';

/** What a worker gets at start (structured-clone friendly). */
export interface DeepWorkerData {
  backend: BackendName;
  items: DeepFoldContext['items'];
  labels: string[];
  trainOptions: DeepFoldContext['trainOptions'];
  speakerNorm: boolean;
  protocol: string;
  conditions?: DeepFoldContext['conditions'];
  initialWeights?: DeepFoldContext['initialWeights'];
  signalBuffer: SharedArrayBuffer;
  /** [path, first sample, length] into signalBuffer. */
  signalIndex: [string, number, number][];
}

export type DeepWorkerMessage =
  | { type: 'batch'; index: number; progress: BatchProgress }
  | { type: 'done'; index: number; outcome: DeepFoldOutcome }
  | { type: 'error'; index: number; error: ErrorRecord };

/** Packs the signals into one shared buffer (read-only for the workers). */
export function shareSignals(
  signals: Map<string, Float32Array>,
): Pick<DeepWorkerData, 'signalBuffer' | 'signalIndex'> {
  let total = 0;
  for (const x of signals.values()) total += x.length;
  const signalBuffer = new SharedArrayBuffer(total * Float32Array.BYTES_PER_ELEMENT);
  const all = new Float32Array(signalBuffer);
  const signalIndex: [string, number, number][] = [];
  let at = 0;
  for (const [path, x] of signals) {
    all.set(x, at);
    signalIndex.push([path, at, x.length]);
    at += x.length;
  }
  return { signalBuffer, signalIndex };
}

/**
 * Starts the worker module next to this one: the .js file when built; when running from the
 * TypeScript sources (tsx, the test runner) the .ts file through tsx's tsImport, because
 * Node 20 does not carry tsx's loader hooks into worker threads.
 */
function startWorker(workerData: DeepWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./deep-worker.js', import.meta.url), { workerData });
  }
  const url = new URL('./deep-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((api) => api.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`;
  return new Worker(code, { eval: true, workerData });
}

export async function runFoldsInWorkers(
  ctx: DeepFoldContext,
  folds: DeepFold[],
  o: {
    jobs: number;
    backend: BackendName;
    onBatch?: (fold: number, p: BatchProgress) => void;
    onDone: (fold: number, outcome: DeepFoldOutcome) => void;
  },
): Promise<void> {
  const data: DeepWorkerData = {
    backend: o.backend,
    items: ctx.items,
    labels: ctx.labels,
    trainOptions: ctx.trainOptions,
    speakerNorm: ctx.speakerNorm,
    protocol: ctx.protocol,
    conditions: ctx.conditions,
    initialWeights: ctx.initialWeights,
    ...shareSignals(ctx.signals),
  };
  const queue = folds.map((_, i) => i);
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const next = (w: Worker) => {
        const index = queue.shift();
        if (index === undefined) {
          if (running === 0) resolve();
          return;
        }
        running++;
        w.postMessage({ index, fold: folds[index] });
      };
      for (let j = 0; j < Math.min(o.jobs, folds.length); j++) {
        const w = startWorker(data);
        workers.push(w);
        w.on('message', (m: DeepWorkerMessage) => {
          if (m.type === 'batch') o.onBatch?.(m.index, m.progress);
          else if (m.type === 'error') fail(new WorkerError(m.error));
          else {
            running--;
            try {
              o.onDone(m.index, m.outcome);
            } catch (e) {
              fail(e as Error);
              return;
            }
            next(w);
            if (queue.length === 0 && running === 0) resolve();
          }
        });
        w.on('error', (e) => fail(e));
        w.on('exit', (code) => {
          if (code !== 0) fail(new Error(`an evaluation worker exited with code ${code}`));
        });
        next(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
