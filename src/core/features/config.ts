/**
 * FeatureConfig: every parameter of the feature pipeline with its default, validated by one zod
 * schema. The same object travels inside a model bundle, so a model sees the same numbers in
 * training, on the command line and in the browser. Conventions follow torchaudio
 * (`MelSpectrogram` / `MFCC`) with librosa-style defaults: Slaney mel scale and area
 * normalisation, centred frames with zero padding, power-to-dB with top_db 80.
 */
import { z } from 'zod';
import { EmovoxError } from '../errors.js';

/** A FeatureConfig that fails validation (user-facing: names the field and what is accepted). */
export class FeatureConfigError extends EmovoxError {
  constructor(message: string) {
    super('BAD_FEATURE_CONFIG', message);
  }
}

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

const FeatureConfigObject = z.strictObject({
  /** Sample rate the features are computed at (Hz); audio is resampled to it before extraction. */
  sampleRate: z.number().int().min(1000).max(192000).default(16000),
  /** 'mfcc' (cepstra of the log-mel spectrogram) or 'logmel' (mel power in dB). */
  kind: z.enum(['mfcc', 'logmel']).default('mfcc'),
  /** Pre-emphasis coefficient a in y[n] = x[n] - a x[n-1] over the whole signal; 0 = off. */
  preEmphasis: z.number().min(0).max(1).default(0),
  /** Window length in samples (400 = 25 ms at 16 kHz); the window sits centred in nFft. */
  winLength: z.number().int().min(2).default(400),
  /** Hop between frames in samples (160 = 10 ms at 16 kHz). */
  hopLength: z.number().int().min(1).default(160),
  /** FFT size in samples (a power of two, >= winLength). */
  nFft: z
    .number()
    .int()
    .min(16)
    .max(65536)
    .refine(isPowerOfTwo, { message: 'nFft must be a power of two (e.g. 256, 512, 1024)' })
    .default(512),
  /** 'hann' and 'hamming' are periodic (torch / librosa default); 'povey' is Kaldi's symmetric Hann^0.85. */
  window: z.enum(['hann', 'hamming', 'povey']).default('hann'),
  /** Centre frame t on sample t * hopLength by padding nFft / 2 samples at both ends. */
  center: z.boolean().default(true),
  /** Padding used when center is true: 'constant' (zeros) or 'reflect'. */
  padMode: z.enum(['constant', 'reflect']).default('constant'),
  /** Exponent of the magnitude spectrum: 2 = power, 1 = magnitude. */
  power: z.number().positive().max(4).default(2),
  /** Number of mel bands. */
  nMels: z.number().int().min(1).max(512).default(40),
  /** Lowest filterbank edge (Hz). */
  fMin: z.number().min(0).default(0),
  /** Highest filterbank edge (Hz); null = Nyquist (sampleRate / 2). */
  fMax: z.number().positive().nullable().default(null),
  /** Mel scale: 'slaney' (linear below 1 kHz, log above; librosa default) or 'htk' (2595 log10(1 + f/700)). */
  melScale: z.enum(['slaney', 'htk']).default('slaney'),
  /** 'slaney' divides each triangle by its width in Hz (constant area); null leaves peak 1. */
  melNorm: z.enum(['slaney']).nullable().default('slaney'),
  /** Clamp dB values to (max - topDb) over the whole utterance; null = no clamp. */
  topDb: z.number().positive().nullable().default(80),
  /** Number of cepstral coefficients kept (orthonormal DCT-II of the dB mel spectrum). */
  nMfcc: z.number().int().min(1).max(512).default(40),
  /** Cepstral liftering 1 + (L/2) sin(pi n / L) (Kaldi / torchaudio.compliance convention); 0 = off. */
  lifter: z.number().min(0).default(0),
  /** Append deltas (1) or deltas and delta-deltas (2) to every frame; 0 = static features only. */
  deltaOrder: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
});

/** The schema of a complete FeatureConfig; every field has a default, cross-field rules checked. */
export const FeatureConfigSchema = FeatureConfigObject.superRefine((c, ctx) => {
  const nyquist = c.sampleRate / 2;
  if (c.winLength > c.nFft) {
    ctx.addIssue({
      code: 'custom',
      path: ['winLength'],
      message: `winLength (${c.winLength}) must not exceed nFft (${c.nFft})`,
    });
  }
  const fMax = c.fMax ?? nyquist;
  if (fMax > nyquist) {
    ctx.addIssue({
      code: 'custom',
      path: ['fMax'],
      message: `fMax (${fMax} Hz) must not exceed the Nyquist frequency (${nyquist} Hz)`,
    });
  }
  if (c.fMin >= fMax) {
    ctx.addIssue({
      code: 'custom',
      path: ['fMin'],
      message: `fMin (${c.fMin} Hz) must be below fMax (${fMax} Hz)`,
    });
  }
  if (c.kind === 'mfcc' && c.nMfcc > c.nMels) {
    ctx.addIssue({
      code: 'custom',
      path: ['nMfcc'],
      message: `nMfcc (${c.nMfcc}) must not exceed nMels (${c.nMels})`,
    });
  }
});

export type FeatureConfig = z.output<typeof FeatureConfigSchema>;
export type FeatureConfigInput = z.input<typeof FeatureConfigSchema>;

/** Every default: 16 kHz, 25 ms Hann window, 10 ms hop, nFft 512, 40 Slaney mels, 40 MFCC, top_db 80. */
export const DEFAULT_FEATURE_CONFIG: Readonly<FeatureConfig> = Object.freeze(FeatureConfigSchema.parse({}));

/**
 * Fills in defaults and validates; throws FeatureConfigError naming each wrong field and
 * what it accepts.
 */
export function parseFeatureConfig(partial: Partial<FeatureConfigInput> = {}): FeatureConfig {
  const r = FeatureConfigSchema.safeParse(partial);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new FeatureConfigError(`invalid feature configuration: ${why}`);
  }
  return r.data;
}

/** Milliseconds -> whole samples at a sample rate (rounded to the nearest sample). */
export function msToSamples(ms: number, sampleRate: number = 16000): number {
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new FeatureConfigError(`a duration in milliseconds must be a positive number, got ${ms}`);
  }
  return Math.max(1, Math.round((ms * sampleRate) / 1000));
}

/** Number of values per frame the config produces (coefficients times 1 + deltaOrder). */
export function coefficientsPerFrame(cfg: FeatureConfig): number {
  return (cfg.kind === 'mfcc' ? cfg.nMfcc : cfg.nMels) * (1 + cfg.deltaOrder);
}

/** The filterbank's upper edge in Hz (fMax, or Nyquist when fMax is null). */
export function upperEdgeHz(cfg: Pick<FeatureConfig, 'fMax' | 'sampleRate'>): number {
  return cfg.fMax ?? cfg.sampleRate / 2;
}
