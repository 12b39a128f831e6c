import { z } from 'zod';
import { describeIssues, EmovoxError } from '../errors.js';

/**
 * The sizes of a network: one small object, validated by zod, merged over the defaults of the
 * chosen model (see `defaultModelConfig`). Fields a model does not use are ignored by it:
 * 2D models read `poolsFreqTime`, the 1D model reads `convStrides` and `poolsTime`, and the
 * plain `cnn` has no LSTM (`lstmUnits` is ignored).
 */
const positiveInt = z.number().int().positive();

export const ModelConfigSchema = z
  .object({
    /** Filters of each convolution block, in order; the number of blocks is its length. */
    filters: z.array(positiveInt).min(1).max(8),
    /** Kernel size of each block's convolution (2D models: k x k; 1D: k samples/steps). */
    kernelSizes: z.array(positiveInt).min(1).max(8),
    /** 1D model only: stride of each block's convolution (a strided first conv shortens the waveform). */
    convStrides: z.array(positiveInt).min(1).max(8),
    /** 2D models only: max-pool of each block as [frequency, time] (the anchor's "freq x time"). */
    poolsFreqTime: z
      .array(z.tuple([positiveInt, positiveInt]))
      .min(1)
      .max(8),
    /** 1D model only: max-pool of each block along time. */
    poolsTime: z.array(positiveInt).min(1).max(8),
    /** Units of the LSTM over the time steps left after the convolution blocks. */
    lstmUnits: positiveInt.max(4096),
    /** Dropout before the classifier (and before the hidden dense layer, if any); 0 = none. */
    dropout: z.number().min(0).max(0.9),
    /** Units of a hidden ReLU dense layer before the softmax; 0 = none. */
    denseUnits: z.number().int().min(0).max(4096),
    /** Seconds of audio the network sees at once (training crops and prediction windows). */
    inputSeconds: z.number().positive().max(60),
    /** L2 weight decay on convolution, LSTM and dense kernels; 0 = none. */
    l2: z.number().min(0).max(1),
  })
  .strict();

export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** Error for a model name or configuration the user got wrong (printed as one line by the CLI). */
export class ModelConfigError extends EmovoxError {
  constructor(message: string) {
    super('BAD_MODEL_CONFIG', message);
  }
}

/**
 * Validate a full or partial config over `base`. Every problem is listed in one message,
 * naming the field, what was given and what is accepted.
 */
export function parseModelConfig(base: ModelConfig, partial: Partial<ModelConfig> = {}): ModelConfig {
  const result = ModelConfigSchema.safeParse({ ...base, ...partial });
  if (!result.success) {
    throw new ModelConfigError(`invalid model config: ${describeIssues(result.error.issues, '(config)')}`);
  }
  return result.data;
}

/** Check that the per-block arrays a builder uses have one entry per block. */
export function requireBlockArrays(cfg: ModelConfig, fields: (keyof ModelConfig)[]): void {
  const blocks = cfg.filters.length;
  const wrong = fields.filter((f) => (cfg[f] as unknown[]).length !== blocks);
  if (wrong.length > 0) {
    const detail = wrong.map((f) => `${f} has ${(cfg[f] as unknown[]).length}`).join(', ');
    throw new ModelConfigError(
      `invalid model config: filters has ${blocks} blocks but ${detail}; give one entry per block`,
    );
  }
}
