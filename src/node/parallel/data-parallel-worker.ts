/**
 * One worker thread of DataParallelTrainer: its own tfjs backend (its own wasm instance, one
 * thread) and its own copy of the model and of the Adam optimiser. 'grad' computes the gradient
 * of its micro-batches' part of the batch loss; 'apply' applies the gradient summed over all
 * workers, so every worker's copy stays the same.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '../../core/models/index.js';
import { weightedCrossEntropy } from '../../core/models/loss.js';
import { Rng, withSeededMathRandom } from '../../core/random.js';
import { initBackend } from '../backend.js';
import {
  emptyStepTiming,
  type FromWorker,
  type Shard,
  type ToWorker,
  type WorkerInit,
  type WorkerStepTiming,
} from './protocol.js';
import { threadTimes } from './thread-time.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

const buffers = (xs: Float32Array[]) => xs.map((a) => a.buffer as ArrayBuffer);

async function start() {
  await initBackend(init.backend);
  const model = buildModel(init.model, init.build);
  const initial = init.weights.map((w, i) => tf.tensor(w, model.weights[i].read().shape));
  model.setWeights(initial);
  tf.dispose(initial);
  const optimizer = tf.train.adam(init.learningRate);
  if (init.optimizer) {
    const entries = init.optimizer.map((e) => ({ name: e.name, tensor: tf.tensor(e.data, e.shape) }));
    await optimizer.setWeights(entries);
    tf.dispose(entries.map((e) => e.tensor));
  }
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const fixed = model.nonTrainableWeights;
  const shape = init.build.inputShape as number[];
  const numClasses = init.build.numClasses;

  /** Run-queue time and thread CPU (thread-time.ts) counted up to the previous gradient reply. */
  let queued0 = threadTimes().queuedMs;
  let threadCpu0 = threadTimes().cpuMs;

  /**
   * A tensor's values without a copy on wasm (a view of its heap: read before the next
   * allocation); elsewhere dataSync. Copies of every gradient on every step were most of the
   * ArrayBuffers that made V8 run a full garbage collection about twice a step per worker.
   */
  const wasm = tf.getBackend() === 'wasm' ? (tf.backend() as BackendWasm) : null;
  const values = (t: tf.Tensor): Float32Array =>
    (wasm ? wasm.typedArrayFromHeap(t as unknown as tf.TensorInfo) : t.dataSync()) as Float32Array;

  /** Gradient sums of the next 'grad', reused from the last 'apply' (transferred back and forth). */
  let spare: Float32Array[] | null = null;

  /** Loss and predictions of one micro-batch; its gradients are added to `sums`. */
  function shardGrad(s: Shard, totalWeight: number, shardsTotal: number, sums: Float32Array[]) {
    let predicted: tf.Tensor | undefined;
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor(s.x, [s.count, ...shape]);
      const y = tf.tensor2d(s.targets, [s.count, numClasses]);
      const w = tf.tensor1d(s.weights);
      const pass = () =>
        tf.variableGrads(() => {
          const p = model.apply(x, { training: true }) as tf.Tensor;
          predicted = tf.keep(p.argMax(-1));
          let loss = weightedCrossEntropy(p, y, w, totalWeight);
          const reg = model.calculateLosses();
          if (reg.length > 0) loss = tf.add(loss, tf.div(tf.addN(reg), shardsTotal)) as tf.Scalar;
          return loss;
        }, vars);
      return s.seed === undefined ? pass() : withSeededMathRandom(new Rng(s.seed), pass);
    });
    vars.forEach((v, i) => {
      const g = values(grads[v.name]);
      const sum = sums[i];
      for (let j = 0; j < g.length; j++) sum[j] += g[j];
    });
    const out = { loss: value.dataSync()[0], predicted: Int32Array.from(predicted!.dataSync()) };
    tf.dispose([value, predicted!, ...Object.values(grads)]);
    return out;
  }

  /** Sets the non-trainable weights (batch-norm moving statistics). */
  function setFixed(values: Float32Array[]): void {
    tf.tidy(() => fixed.forEach((v, i) => v.write(tf.tensor(values[i], v.read().shape))));
  }

  function grad(m: Extract<ToWorker, { type: 'grad' }>, timing: WorkerStepTiming): void {
    const cpu0 = threadTimes().cpuMs;
    const before = fixed.map((v) => Float32Array.from(v.read().dataSync()));
    const sums = spare ?? vars.map((v) => new Float32Array(v.size));
    spare = null;
    for (const a of sums) a.fill(0);
    const nonTrainableSum = before.map((b) => new Float32Array(b.length));
    const predicted = new Int32Array(m.shards.reduce((a, s) => a + s.count, 0));
    let loss = 0;
    let at = 0;
    m.shards.forEach((s, k) => {
      if (k > 0) setFixed(before);
      const r = shardGrad(s, m.totalWeight, m.shardsTotal, sums);
      loss += r.loss;
      fixed.forEach((v, i) => {
        const now = v.read().dataSync();
        const sum = nonTrainableSum[i];
        for (let j = 0; j < now.length; j++) sum[j] += now[j];
      });
      predicted.set(r.predicted, at);
      at += s.count;
    });
    const t = threadTimes();
    timing.gradCpuMs = t.cpuMs - cpu0;
    timing.queuedMs = t.queuedMs - queued0;
    timing.threadCpuMs = t.cpuMs - threadCpu0;
    queued0 = t.queuedMs;
    threadCpu0 = t.cpuMs;
    const xs = m.shards.map((sh) => sh.x);
    post({ type: 'grad', grads: sums, loss, predicted, nonTrainableSum, timing, xs }, [
      ...buffers(xs),
      ...buffers(sums),
      ...buffers(nonTrainableSum),
      predicted.buffer as ArrayBuffer,
    ]);
  }

  function apply(m: Extract<ToWorker, { type: 'apply' }>): void {
    (optimizer as unknown as { learningRate: number }).learningRate = m.learningRate;
    const named = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(m.grads[i], v.shape) }));
    optimizer.applyGradients(named);
    tf.dispose(named.map((g) => g.tensor));
    spare = m.grads;
    setFixed(m.nonTrainable);
  }

  async function state(): Promise<void> {
    const weights = model.getWeights().map((t) => Float32Array.from(t.dataSync()));
    const named = await optimizer.getWeights();
    const entries = named.map((e) => ({
      name: e.name,
      data: Float32Array.from(e.tensor.dataSync()),
      shape: e.tensor.shape,
    }));
    // getWeights returns a new scalar for the iteration count; the moments are Adam's own variables.
    tf.dispose(named.filter((e) => e.name === 'iter').map((e) => e.tensor));
    post({ type: 'state', weights, optimizer: entries }, [
      ...buffers(weights),
      ...buffers(entries.map((e) => e.data)),
    ]);
  }

  // Where the time between two gradients went (sent with each 'grad' reply, then reset).
  let timing = emptyStepTiming();
  let idleSince = performance.now();
  let last: ToWorker['type'] = 'apply';
  // Messages are handled one at a time in arrival order ('state' is the only asynchronous one).
  let queue = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    queue = queue.then(() => handle(m));
  });
  async function handle(m: ToWorker): Promise<void> {
    const idle = Math.max(0, performance.now() - idleSince);
    if (last === 'grad') timing.idleAfterGradMs += idle;
    else timing.idleAfterApplyMs += idle;
    try {
      if (m.type === 'grad') {
        grad(m, timing);
        timing = emptyStepTiming();
      } else if (m.type === 'apply') {
        const cpu0 = threadTimes().cpuMs;
        apply(m);
        timing.applyCpuMs += threadTimes().cpuMs - cpu0;
      } else await state();
    } catch (e) {
      const err = e as Error & { code?: string };
      post({ type: 'error', message: err.message, name: err.name, code: err.code });
    }
    last = m.type;
    idleSince = performance.now();
  }
  post({ type: 'ready' });
}

start().catch((e: Error & { code?: string }) =>
  post({ type: 'error', message: e.message, name: e.name, code: e.code }),
);
