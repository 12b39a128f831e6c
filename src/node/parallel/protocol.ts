/**
 * Messages between DataParallelTrainer (data-parallel.ts) and its worker threads
 * (data-parallel-worker.ts). Everything here is structured-clone friendly; Float32Arrays are
 * transferred, not copied.
 */
import type { BackendName } from '../backend.js';
import type { BuildModelOptions } from '../../core/models/index.js';

/** One micro-batch: `count` examples of `per` floats each, their target rows and loss weights. */
export interface Shard {
  x: Float32Array;
  count: number;
  /**
   * Target distribution of each example, count x classes (row-major): one-hot rows for plain
   * labels, soft rows (summing to 1) under mixup.
   */
  targets: Float32Array;
  weights: Float32Array;
  /** Seed of Math.random during this micro-batch's pass (dropout masks); none: unseeded. */
  seed?: number;
}

/** One entry of the optimiser's state (tfjs Optimizer.getWeights order: iterations, then Adam's moments). */
export interface OptimizerEntry {
  name: string;
  data: Float32Array;
  shape: number[];
}

export interface WorkerInit {
  backend: BackendName;
  model: string;
  build: BuildModelOptions;
  /** Initial values of model.getWeights(), in its order. */
  weights: Float32Array[];
  learningRate: number;
  /** Adam's state to continue from (a resumed run). */
  optimizer?: OptimizerEntry[];
}

/** Where one worker's time went since its previous 'grad' reply (thread CPU and wall ms). */
export interface WorkerStepTiming {
  /** Thread CPU of this gradient (forward + backward of its micro-batches). */
  gradCpuMs: number;
  /** Thread CPU of the optimiser step(s) applied since the previous gradient. */
  applyCpuMs: number;
  /** Wall time idle after the previous gradient until its 'apply' came (the barrier and the all-reduce). */
  idleAfterGradMs: number;
  /** Wall time idle after applying until this gradient's batch came (waiting for the next batch). */
  idleAfterApplyMs: number;
  /** Time runnable but waiting for a core (other processes' load), from the kernel's schedstat. */
  queuedMs: number;
  /** All of this worker thread's CPU (gradients, optimiser, messages, its JS garbage collection). */
  threadCpuMs: number;
}

/** A WorkerStepTiming with nothing counted yet. */
export function emptyStepTiming(): WorkerStepTiming {
  return {
    gradCpuMs: 0,
    applyCpuMs: 0,
    idleAfterGradMs: 0,
    idleAfterApplyMs: 0,
    queuedMs: 0,
    threadCpuMs: 0,
  };
}

export type ToWorker =
  | {
      type: 'grad';
      shards: Shard[];
      /** Sum of the loss weights of the whole batch (every worker's shards). */
      totalWeight: number;
      /** Micro-batches in the whole batch: each adds 1/shardsTotal of the regularisation loss. */
      shardsTotal: number;
    }
  | {
      type: 'apply';
      /** Summed gradient of each trainable weight (model.trainableWeights order); the worker reuses the arrays for its next gradient. */
      grads: Float32Array[];
      /** New value of each non-trainable weight (batch-norm moving statistics). */
      nonTrainable: Float32Array[];
      learningRate: number;
    }
  | { type: 'state' };

export type FromWorker =
  | { type: 'ready' }
  | {
      type: 'grad';
      /** Gradients summed over this worker's shards. */
      grads: Float32Array[];
      /** This worker's part of the batch loss (the parts sum to the batch loss). */
      loss: number;
      /** Arg-max class of each example, shards in order. */
      predicted: Int32Array;
      /** Sum over this worker's shards of each non-trainable weight's value after that shard's forward pass, started from the same values. */
      nonTrainableSum: Float32Array[];
      timing: WorkerStepTiming;
      /** The shards' input arrays, handed back for the next batches (no new buffers per step). */
      xs: Float32Array[];
    }
  | { type: 'state'; weights: Float32Array[]; optimizer: OptimizerEntry[] }
  | { type: 'error'; message: string; name: string; code?: string };
