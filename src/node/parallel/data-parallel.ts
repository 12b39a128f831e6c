/**
 * Data-parallel training over worker threads: each worker holds its own tfjs backend (its own
 * wasm instance, one thread) and its own copy of the model and of Adam. A batch is cut into
 * `shards` micro-batches, dealt to the workers in order (worker k gets consecutive shards); each
 * worker returns the gradient of its micro-batches' part of the batch loss, the gradients are
 * summed here in worker order and every worker applies the same sum, so the copies stay equal.
 *
 * Same result as one worker (`threads: 1`) with the same `shards`, up to the order of float
 * summation of the gradients. Against plain one-batch training (`shards: 1`) two things differ,
 * as in PyTorch's DistributedDataParallel without SyncBatchNorm:
 * - batch normalisation in training normalises each micro-batch with its own statistics
 *   (batch 32 on 2 shards: two batches of 16);
 * - the moving statistics become the mean over micro-batches of each one's update from the same
 *   starting values: the moving mean is the same as one batch's, the moving variance misses the
 *   variance between the micro-batches' means.
 * Dropout (only the plain cnn has it) draws its masks from each worker's own Math.random.
 */
import { Worker } from 'node:worker_threads';
import {
  emptyStepTiming,
  type FromWorker,
  type OptimizerEntry,
  type Shard,
  type ToWorker,
  type WorkerInit,
  type WorkerStepTiming,
} from './protocol.js';
import { threadTimes } from './thread-time.js';

export type { OptimizerEntry, WorkerStepTiming } from './protocol.js';

/**
 * Where the time of data-parallel steps went, summed since the trainer started (ms): each
 * worker's own account (thread CPU of gradients and optimiser steps, idle wall time at the
 * barrier and waiting for batches, run-queue time) plus, seen from this thread, how long its
 * gradient waited for the slowest worker's (`barrierMs`).
 */
export interface ParallelTiming {
  steps: number;
  workers: (WorkerStepTiming & { barrierMs: number })[];
  /** Sum over steps of the largest gradient CPU among the workers (the compute on the critical path). */
  slowestGradCpuMs: number;
  /** This thread's CPU summing the gradients and sending them back. */
  reduceCpuMs: number;
}

/** What every worker starts from (protocol.ts WorkerInit: backend, model, weights, learning rate, Adam's state), and how many. */
export interface DataParallelOptions extends WorkerInit {
  /** Worker threads, >= 1. */
  threads: number;
  /** Micro-batches per batch (default `threads`); at least `threads`. */
  shards?: number;
}

/** An error thrown inside a worker, re-thrown here with its name, message and code. */
export class DataParallelWorkerError extends Error {
  readonly code?: string;
  constructor(message: string, name: string, code?: string) {
    super(message);
    this.name = name;
    if (code !== undefined) this.code = code;
  }
}

const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './data-parallel-worker.ts' : './data-parallel-worker.js',
  import.meta.url,
);

/** A worker on the built .js file, or, from sources, a bootstrap that registers tsx first (workers do not inherit --import). */
function newWorker(data: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(WORKER_URL, { workerData: data });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

/** One worker and the replies it owes, answered in order. */
class Slot {
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      const w = this.waiting.shift();
      if (m.type === 'error') {
        const err = new DataParallelWorkerError(m.message, m.name, m.code);
        if (w) w.reject(err);
        else this.fail(err);
      } else w?.resolve(m);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`data-parallel worker exited (code ${code})`)));
  }
  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }
  /** The next reply (the worker answers 'ready', 'grad' and 'state', in order). */
  reply(): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(m, transfer);
  }
}

export interface DataParallelStep {
  /** The batch loss (class-weighted mean cross-entropy plus regularisation). */
  loss: number;
  /** Arg-max class of each example of the batch. */
  predicted: Int32Array;
}

export class DataParallelTrainer {
  private constructor(
    private readonly slots: Slot[],
    readonly shards: number,
    private readonly per: number,
    private learningRate: number,
    private readonly classes: number,
  ) {
    this.totals = {
      steps: 0,
      workers: slots.map(() => ({ ...emptyStepTiming(), barrierMs: 0 })),
      slowestGradCpuMs: 0,
      reduceCpuMs: 0,
    };
  }

  private readonly totals: ParallelTiming;
  /** Input arrays each worker handed back, reused for its next shards (no new buffers per step). */
  private readonly inputs: Float32Array[][] = [];
  /** The gradient sums, reused every step. */
  private sums: Float32Array[] | null = null;

  /** `values` in an input array of worker k's pool (or a new one). */
  private inputBuffer(k: number, values: Float32Array): Float32Array {
    const pool = (this.inputs[k] ??= []);
    const i = pool.findIndex((a) => a.length === values.length);
    const buffer = i >= 0 ? pool.splice(i, 1)[0] : new Float32Array(values.length);
    buffer.set(values);
    return buffer;
  }

  /** Where the time went since the start (a copy); subtract two readings for a span of steps. */
  timing(): ParallelTiming {
    return { ...this.totals, workers: this.totals.workers.map((w) => ({ ...w })) };
  }

  /** Starts the workers (each builds the model from `weights`); resolves when all are ready. */
  static async start(o: DataParallelOptions): Promise<DataParallelTrainer> {
    const threads = o.threads;
    const shards = o.shards ?? threads;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a whole number >= 1, got ${threads}`);
    }
    if (!Number.isInteger(shards) || shards < threads) {
      throw new RangeError(`shards must be a whole number >= threads (${threads}), got ${shards}`);
    }
    const init: WorkerInit = {
      backend: o.backend,
      model: o.model,
      build: o.build,
      weights: o.weights,
      learningRate: o.learningRate,
      optimizer: o.optimizer,
    };
    const slots = Array.from({ length: threads }, () => new Slot(newWorker(init)));
    const trainer = new DataParallelTrainer(
      slots,
      shards,
      (o.build.inputShape as number[]).reduce((a, b) => a * b, 1),
      o.learningRate,
      o.build.numClasses,
    );
    try {
      await Promise.all(slots.map((s) => s.reply()));
    } catch (e) {
      await trainer.close();
      throw e;
    }
    return trainer;
  }

  get threads(): number {
    return this.slots.length;
  }

  /** Learning rate of the next steps. */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /**
   * One Adam step on a batch: `x` holds n examples; `labels` are their class indices (length n)
   * or `{ targets }`, target rows n x classes (soft labels, e.g. mixup); `weights` are the
   * examples' loss weights (default 1). Micro-batch k gets examples [k·n/shards, (k+1)·n/shards)
   * and, with a `seed`, Math.random seeded with seed + k during its pass (dropout masks).
   */
  async step(
    x: Float32Array,
    labels: ArrayLike<number> | { targets: Float32Array },
    weights?: ArrayLike<number>,
    seed?: number,
  ): Promise<DataParallelStep> {
    const c = this.classes;
    const targets = 'targets' in labels ? labels.targets : null;
    const n = targets ? targets.length / c : (labels as ArrayLike<number>).length;
    if (!Number.isInteger(n)) {
      throw new RangeError(
        `targets hold ${targets!.length} floats, not a whole number of rows of ${c} classes`,
      );
    }
    if (x.length !== n * this.per) {
      throw new RangeError(`x holds ${x.length} floats, expected ${n} examples x ${this.per}`);
    }
    const shards = Math.min(this.shards, n);
    const bound = (k: number) => Math.round((k * n) / shards);
    // Worker k gets shards [k·shards/threads, (k+1)·shards/threads), at least one when shards >= threads.
    const busy = this.slots.slice(0, Math.min(this.threads, shards));
    const firstShard = (k: number) => Math.round((k * shards) / busy.length);
    const owner = (shard: number) => busy.findIndex((_, k) => shard < firstShard(k + 1));
    const all: Shard[] = [];
    let totalWeight = 0;
    for (let k = 0; k < shards; k++) {
      const [a, b] = [bound(k), bound(k + 1)];
      const w = new Float32Array(b - a);
      for (let i = a; i < b; i++) w[i - a] = weights ? weights[i] : 1;
      for (const v of w) totalWeight += v;
      all.push({
        x: this.inputBuffer(owner(k), x.subarray(a * this.per, b * this.per)),
        count: b - a,
        targets: targets ? targets.slice(a * c, b * c) : rowsOf(labels as ArrayLike<number>, a, b, c),
        weights: w,
        ...(seed === undefined ? {} : { seed: (seed + k) >>> 0 }),
      });
    }
    const arrived = busy.map(() => 0);
    const replies = busy.map((slot, k) => {
      const mine = all.slice(firstShard(k), firstShard(k + 1));
      const reply = slot.reply();
      slot.send({ type: 'grad', shards: mine, totalWeight, shardsTotal: shards }, [
        ...mine.flatMap((s) => [s.x.buffer, s.targets.buffer, s.weights.buffer] as ArrayBuffer[]),
      ]);
      return reply.then((m) => {
        arrived[k] = performance.now();
        return m;
      });
    });
    const got = (await Promise.all(replies)) as Extract<FromWorker, { type: 'grad' }>[];
    const reduceStart = threadTimes().cpuMs;
    const lastArrival = Math.max(...arrived);
    this.totals.steps += 1;
    this.totals.slowestGradCpuMs += Math.max(...got.map((r) => r.timing.gradCpuMs));
    got.forEach((r, k) => {
      const t = this.totals.workers[k];
      for (const key of Object.keys(r.timing) as (keyof WorkerStepTiming)[]) t[key] += r.timing[key];
      t.barrierMs += lastArrival - arrived[k];
    });
    got.forEach((r, k) => this.inputs[k].push(...r.xs));
    this.sums ??= got[0].grads.map((g) => new Float32Array(g.length));
    const grads = this.sums;
    for (const a of grads) a.fill(0);
    const fixed = got[0].nonTrainableSum.map((g) => new Float32Array(g.length));
    let loss = 0;
    const predicted = new Int32Array(n);
    let at = 0;
    for (const r of got) {
      loss += r.loss;
      r.grads.forEach((g, i) => {
        const s = grads[i];
        for (let j = 0; j < g.length; j++) s[j] += g[j];
      });
      r.nonTrainableSum.forEach((g, i) => {
        const s = fixed[i];
        for (let j = 0; j < g.length; j++) s[j] += g[j];
      });
      predicted.set(r.predicted, at);
      at += r.predicted.length;
    }
    for (const f of fixed) for (let j = 0; j < f.length; j++) f[j] /= shards;
    this.slots.forEach((slot, k) => {
      const last = k === this.slots.length - 1;
      // Each worker gets its own copy, transferred, in the arrays it sent (it reuses them for its
      // next gradient); the sums stay here for the next step.
      const g = got[k] ? got[k].grads.map((a, i) => (a.set(grads[i]), a)) : grads.map((a) => a.slice());
      const f = last ? fixed : fixed.map((a) => a.slice());
      slot.send({ type: 'apply', grads: g, nonTrainable: f, learningRate: this.learningRate }, [
        ...g.map((a) => a.buffer as ArrayBuffer),
        ...f.map((a) => a.buffer as ArrayBuffer),
      ]);
    });
    this.totals.reduceCpuMs += threadTimes().cpuMs - reduceStart;
    return { loss, predicted };
  }

  /**
   * The model's weights (model.getWeights() order) and Adam's state (Optimizer.getWeights
   * order): every worker holds the same; worker 0's.
   */
  async state(): Promise<{ weights: Float32Array[]; optimizer: OptimizerEntry[] }> {
    const reply = this.slots[0].reply();
    this.slots[0].send({ type: 'state' });
    const m = await reply;
    if (m.type !== 'state') throw new Error(`data-parallel worker answered '${m.type}' to 'state'`);
    return { weights: m.weights, optimizer: m.optimizer };
  }

  /** The model's weights (model.getWeights() order). */
  async weights(): Promise<Float32Array[]> {
    return (await this.state()).weights;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** One-hot rows of labels[a..b) over `classes`. */
function rowsOf(labels: ArrayLike<number>, a: number, b: number, classes: number): Float32Array {
  const rows = new Float32Array((b - a) * classes);
  for (let i = a; i < b; i++) {
    const k = labels[i];
    if (!Number.isInteger(k) || k < 0 || k >= classes) {
      throw new RangeError(`label ${k} of example ${i} is not a class index in [0, ${classes})`);
    }
    rows[(i - a) * classes + k] = 1;
  }
  return rows;
}
