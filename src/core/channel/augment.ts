/**
 * Random channel augmentation for training: per clip, a seeded draw of which transforms to
 * apply and with which parameters, written out as an ordinary condition name
 * (e.g. `reverb-0.43s+noise-7.2db+gain-3.1db+telephone-alaw`) so the same parser and
 * transforms serve evaluation and training, and a log line says exactly what a clip went
 * through. Physical order: voice (speed, pitch), room (reverb), background (noise or babble), level
 * (gain), line (telephone or codec). Platform-neutral.
 */
import { seededRng, type RandomFn } from '../random.js';
import { ChannelError } from './channel-error.js';
import {
  applyChannel,
  clipSeed,
  GAIN_MAX_DB,
  NOISE_SNR_RANGE_DB,
  parseChannel,
  SPEED_RANGE,
  type ChannelChain,
  type ChannelResources,
} from './chain.js';
import { RT60_MAX_S, RT60_MIN_S } from './reverb.js';
import { PITCH_RANGE_ST } from './pitch.js';

/** Probability of each transform per clip (0 = never). */
export interface AugmentationSpec {
  /** Speed perturbation, factor uniform in SPEED_RANGE (drawn only when above 0). */
  speed: number;
  /** Pitch perturbation at the same tempo, semitones uniform in PITCH_RANGE_ST (drawn only when above 0). */
  pitch: number;
  reverb: number;
  noise: number;
  babble: number;
  gain: number;
  telephone: number;
  codec: number;
}

export const DEFAULT_AUGMENTATION: AugmentationSpec = {
  speed: 0,
  pitch: 0,
  reverb: 0.3,
  noise: 0.3,
  babble: 0.2,
  gain: 0.3,
  telephone: 0.2,
  codec: 0.2,
};

/** Which resources exist; transforms needing a missing one are never drawn. */
export interface AugmentationAvailability {
  codec: boolean;
  noise: boolean;
  babble: boolean;
}

const round = (v: number, step: number) => Math.round(v / step) * step;
const fmt = (v: number, digits: number) => String(Number(v.toFixed(digits)));

/** One clip's draw as a condition name ('studio' when nothing was drawn). */
export function drawAugmentation(
  rng: RandomFn,
  spec: AugmentationSpec,
  have: AugmentationAvailability,
): string {
  const steps: string[] = [];
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng();
  // Speed draws nothing when off, so specs without it keep the draws (and caches) they had.
  if (spec.speed > 0 && rng() < spec.speed) {
    const f = round(u(...SPEED_RANGE), 0.01);
    if (Math.abs(f - 1) > 1e-9) steps.push(`speed-${fmt(f, 2)}`);
  }
  // Pitch likewise draws nothing when off.
  if (spec.pitch > 0 && rng() < spec.pitch) {
    const st = round(u(...PITCH_RANGE_ST), 0.1);
    if (Math.abs(st) > 1e-9) steps.push(`pitch${st >= 0 ? '+' : '-'}${fmt(Math.abs(st), 1)}st`);
  }
  if (rng() < spec.reverb) steps.push(`reverb-${fmt(round(u(RT60_MIN_S, RT60_MAX_S), 0.01), 2)}s`);
  // Background: at most one of recorded noise and babble.
  const r = rng();
  const snr = fmt(round(u(...NOISE_SNR_RANGE_DB), 0.1), 1);
  if (have.noise && r < spec.noise) steps.push(`noise-${snr}db`);
  else if (have.babble && r >= spec.noise && r < spec.noise + spec.babble) steps.push(`babble-${snr}db`);
  if (rng() < spec.gain) {
    const db = round(u(-GAIN_MAX_DB, GAIN_MAX_DB), 0.1);
    steps.push(`gain${db >= 0 ? '+' : '-'}${fmt(Math.abs(db), 1)}db`);
  }
  // Line: at most one of telephone and codec.
  const l = rng();
  const law = rng() < 0.5 ? 'telephone' : 'telephone-alaw';
  const kbps = [16, 20, 24][Math.floor(rng() * 3)];
  if (l < spec.telephone) steps.push(law);
  else if (have.codec && l < spec.telephone + spec.codec) steps.push(`codec-${kbps}kbps`);
  return steps.length ? steps.join('+') : 'studio';
}

export interface AugmentationSampler {
  readonly seed: number;
  /** The chain for one clip; `key` should change per epoch too, e.g. `${epoch}:${clipIndex}`. */
  chainFor(key: string | number): ChannelChain;
  /** The clip through its drawn chain (deterministic for seed and key). */
  augment(
    key: string | number,
    x: Float32Array,
    sampleRate: number,
    o?: { resources?: ChannelResources; speaker?: string },
  ): Promise<{ samples: Float32Array; condition: string }>;
}

/** A seeded sampler: the same seed, spec, resources and key always give the same audio. */
export function augmentationSampler(
  seed: number,
  spec: Partial<AugmentationSpec> = {},
  have: Partial<AugmentationAvailability> = {},
): AugmentationSampler {
  const full: AugmentationSpec = { ...DEFAULT_AUGMENTATION, ...spec };
  for (const [k, p] of Object.entries(full)) {
    if (!(p >= 0 && p <= 1))
      throw new ChannelError(`augmentation probability ${k} must be in [0, 1], got ${p}`);
  }
  if (full.noise + full.babble > 1 || full.telephone + full.codec > 1) {
    throw new ChannelError('augmentation: noise + babble and telephone + codec must each be at most 1');
  }
  const avail: AugmentationAvailability = { codec: false, noise: false, babble: false, ...have };
  const chainFor = (key: string | number) =>
    parseChannel(drawAugmentation(seededRng(clipSeed(seed, `draw:${key}`)), full, avail));
  return {
    seed,
    chainFor,
    async augment(key, x, sampleRate, o = {}) {
      const chain = chainFor(key);
      const samples = await applyChannel(chain, x, sampleRate, {
        seed: clipSeed(seed, `apply:${key}`),
        resources: o.resources,
        speaker: o.speaker,
      });
      return { samples, condition: chain.name };
    },
  };
}
