import { Worker } from 'node:worker_threads';
import { WorkerError, type ErrorRecord } from '../../core/errors.js';
import type { Classified } from './inference.js';
import type { ClassifyRequest } from './model-context.js';

export interface WorkerData {
  /** Every served model: each worker loads all of them and answers for any. */
  models: { id: string; dir: string }[];
  backend: 'wasm' | 'cpu';
  maxDurationSec: number;
  minDurationSec: number;
}
export interface WorkerRequest {
  id: number;
  modelId: string;
  bytes: Uint8Array;
  request: ClassifyRequest;
}
export type WorkerReply =
  { id: number; ok: true; result: Classified } | { id: number; ok: false; error: ErrorRecord };

interface Slot {
  worker: Worker;
  busy: number;
}

/** Running from TypeScript sources (tsx, tests): the worker is a .ts file and needs tsx's loader. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./inference-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

/** A worker on the built .js file, or, from sources, a bootstrap that registers tsx first (workers do not inherit --import). */
function newWorker(data: WorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: data });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

/**
 * Decoding and classification in worker threads, so a slow prediction never blocks the HTTP
 * event loop and both cores of a small machine are used. Each worker holds its own copy of
 * every served model. Requests go to the least busy worker; a worker that dies is replaced and its pending
 * requests fail with a 500.
 */
export class InferencePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (c: Classified) => void; reject: (e: Error) => void; slot: Slot }
  >();
  private nextId = 1;
  private closed = false;

  private constructor(private readonly data: WorkerData) {}

  /** Starts `size` workers and waits until each has loaded the model. */
  static async start(data: WorkerData, size = 2): Promise<InferencePool> {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`worker count must be a whole number >= 1, got ${size}`);
    const pool = new InferencePool(data);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = newWorker(this.data);
      const slot: Slot = { worker, busy: 0 };
      let ready = false;
      worker.on('message', (m: WorkerReply | { ready: boolean; message?: string }) => {
        if ('ready' in m) {
          if (m.ready) {
            ready = true;
            this.slots.push(slot);
            resolve();
          } else reject(new Error(`inference worker failed to start: ${m.message}`));
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        slot.busy--;
        if (m.ok) p.resolve(m.result);
        else p.reject(new WorkerError(m.error));
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        for (const [id, p] of this.pending) {
          if (p.slot === slot) {
            this.pending.delete(id);
            p.reject(new Error(`inference worker exited (code ${code}) during the request`));
          }
        }
        if (!ready) reject(new Error(`inference worker exited (code ${code}) before it was ready`));
        else if (!this.closed) this.spawn().catch(() => undefined);
      });
    });
  }

  /** Decodes and classifies `bytes` with model `modelId` in the least busy worker. */
  classify(modelId: string, bytes: Uint8Array, request: ClassifyRequest): Promise<Classified> {
    if (this.closed) return Promise.reject(new Error('inference pool is closed'));
    if (this.slots.length === 0) return Promise.reject(new Error('no inference worker is running'));
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.busy++;
      const req: WorkerRequest = { id, modelId, bytes, request };
      slot.worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
