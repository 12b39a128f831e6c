/**
 * The project's own kernels for the tfjs wasm backend: what training the conv nets needs and
 * the wasm backend lacks (Conv2DBackpropFilter) or runs slowly (Conv2DBackpropInput, MaxPoolGrad,
 * the Tile/Sum/Mean of batch-norm statistics and gradients, Identity, which copied, and
 * BatchMatMul with transposed operands).
 * Training-mode batch normalisation (with the ELU after it), the LSTM sequence and the conv
 * forward pass run as kernels of our own (see src/core/models/batch-norm-training.ts,
 * lstm-training.ts and conv-training.ts; SIMD loops from wasm/); inference keeps the wasm
 * backend's own Conv2D (XNNPACK).
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from './BatchMatMul.js';
import { batchNormTrainingConfig, batchNormTrainingGradConfig } from './BatchNormTraining.js';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.js';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.js';
import { convTrainingConfig } from './conv-direct.js';
import { identityConfig } from './Identity.js';
import { lstmSequenceConfig, lstmSequenceGradConfig } from './Lstm.js';
import { maxPoolGradConfig } from './MaxPoolGrad.js';
import { meanConfig } from './Mean.js';
import { sumConfig } from './Sum.js';
import { tileConfig } from './Tile.js';
import { captureBuiltins } from './wasm-ops.js';

export const PROJECT_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  sumConfig,
  meanConfig,
  tileConfig,
  identityConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradConfig,
  batchMatMulConfig,
  lstmSequenceConfig,
  lstmSequenceGradConfig,
  convTrainingConfig,
];

/** Built-in wasm kernels our kernels call (captured before any is replaced). */
const BUILTINS_USED = ['BatchMatMul', 'Conv2D', 'FusedConv2D', 'Sum', 'Mean', 'Identity'];

const replaced = new Map<string, tf.KernelConfig | undefined>();

/** Register the project's kernels on the 'wasm' backend (idempotent); returns their names. */
export function registerProjectKernels(): string[] {
  if (replaced.size === 0) {
    captureBuiltins(BUILTINS_USED);
    for (const k of PROJECT_KERNELS) {
      const previous = tf.getKernel(k.kernelName, 'wasm');
      replaced.set(k.kernelName, previous);
      if (previous !== undefined) tf.unregisterKernel(k.kernelName, 'wasm');
      // The backend binds a kernel to the wasm module in its setupFunc, run at backend start-up
      // for registered kernels only: keep the built-in's so ours can still call it.
      tf.registerKernel(previous?.setupFunc === undefined ? k : { ...k, setupFunc: previous.setupFunc });
    }
  }
  return PROJECT_KERNELS.map((k) => k.kernelName);
}

/**
 * Put the wasm backend's own kernels back (for benchmarks comparing against them). Their set-up
 * (binding to the wasm module) is run here, since backend initialisation skipped replaced kernels.
 */
export function unregisterProjectKernels(): void {
  const backend = tf.engine().registry['wasm'];
  for (const [name, previous] of replaced) {
    tf.unregisterKernel(name, 'wasm');
    if (previous === undefined) continue;
    tf.registerKernel(previous);
    if (backend !== undefined) previous.setupFunc?.(backend);
  }
  replaced.clear();
}
