/**
 * Utterance feature vectors for the classical models, computed once per file (and per channel
 * transform) and cached on disk (keyed by the file's path, size, modification time, the feature
 * spec and the transform's name), so that comparing models or settings does not re-extract the
 * same features.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { augmentationSampler, type AugmentationSpec } from '../../core/channel/augment.js';
import {
  applyChannel,
  clipSeed,
  type ChannelChain,
  type ChannelResources,
} from '../../core/channel/chain.js';
import {
  ROBUST_DESCRIPTORS_VERSION,
  ROBUST_FAMILY_OPTIONS,
} from '../../core/classical/descriptors-robust.js';
import {
  classicalFeatures,
  isRobustFamily,
  type ClassicalFeatureSpec,
} from '../../core/classical/featurize.js';
import { descriptorSpecRecord } from '../../core/classical/descriptor-spec.js';
import type { Matrix } from '../../core/classical/matrix.js';
import { loadMono } from './load-audio.js';

export interface FeatureTable {
  x: Matrix;
  names: string[];
  /** Seconds spent extracting (0 when everything came from the cache). */
  seconds: number;
  cached: number;
}

export const DEFAULT_FEATURE_CACHE_DIR = join(tmpdir(), 'emovox-feature-cache');

export function cacheKey(path: string, spec: ClassicalFeatureSpec, channel: string): string {
  const st = statSync(path);
  // The robust families carry their own version (ROBUST_DESCRIPTORS_VERSION; robust2 and
  // robust3 their options too); the others the pinned descriptor spec record. A transform
  // other than studio is part of the key.
  const code =
    isRobustFamily(spec.family) && spec.family !== 'robust'
      ? { robust: ROBUST_DESCRIPTORS_VERSION, options: ROBUST_FAMILY_OPTIONS[spec.family] }
      : { robust: ROBUST_DESCRIPTORS_VERSION };
  const ch = channel === 'studio' ? {} : { channel };
  return createHash('sha256')
    .update(
      JSON.stringify(
        isRobustFamily(spec.family)
          ? { path, size: st.size, mtime: st.mtimeMs, spec, v: 4, ...code, ...ch }
          : { path, size: st.size, mtime: st.mtimeMs, spec: descriptorSpecRecord(spec), v: 5, ...ch },
      ),
    )
    .digest('hex')
    .slice(0, 32);
}

/**
 * A transform of each decoded clip before its features (a channel condition or an augmentation
 * draw). `name` identifies it in the feature cache, so it must say everything that changes the
 * audio (condition, seed, copy); 'studio' is the clip unchanged.
 */
export interface ClipTransform {
  name: string;
  apply(x: Float32Array, path: string, index: number): Promise<Float32Array>;
}

export const STUDIO: ClipTransform = { name: 'studio', apply: async (x) => x };

/** Names the codec implementation in cache keys (Opus at complexity 5, src/node/channel/opus.ts). */
const CODEC_CACHE_TAG = 'opus-c5';

/** A channel condition as a clip transform, seeded per clip by its path ('studio' is STUDIO). */
export function conditionTransform(
  chain: ChannelChain,
  seed: number,
  resources: ChannelResources,
  sampleRate: number,
): ClipTransform {
  if (chain.name === 'studio') return STUDIO;
  const codec = chain.steps.some((s) => s.name.startsWith('codec'));
  return {
    name: `${chain.name}@${seed}${codec ? `/${CODEC_CACHE_TAG}` : ''}`,
    apply: (x, path) => applyChannel(chain, x, sampleRate, { seed: clipSeed(seed, path), resources }),
  };
}

/**
 * Per-clip probabilities of the augmentation transforms: no babble (it needs decoded training
 * speakers at hand), and the Opus round trip rarely (it costs ~10x a telephone line per clip).
 */
export const AUGMENTATION_SPEC: Partial<AugmentationSpec> = { babble: 0, codec: 0.1, telephone: 0.3 };

/** Conditions whose resources (noise recordings, codec) augmentation may draw on. */
export const AUGMENTATION_NEEDS = 'noise-10db,codec';

/**
 * The noise-heavy copies (`augmentNoise`): background noise (the recordings, 0-20 dB SNR) in
 * four clips of five, everything else drawn as in AUGMENTATION_SPEC.
 */
export const NOISY_AUGMENTATION_SPEC: Partial<AugmentationSpec> = { ...AUGMENTATION_SPEC, noise: 0.8 };

/**
 * The speed-perturbed copies (`augmentSpeed`): every clip played 0.9-1.1 times as fast (F0 and
 * formants move with it, as in another speaker's voice), then the channel drawn as in
 * AUGMENTATION_SPEC.
 */
export const SPEED_AUGMENTATION_SPEC: Partial<AugmentationSpec> = { ...AUGMENTATION_SPEC, speed: 1 };

/**
 * The pitch-perturbed copies (`augmentPitch`): every clip's pitch moved by -2..+2 semitones at
 * the same tempo (src/core/channel/pitch.ts), then the channel drawn as in AUGMENTATION_SPEC.
 */
export const PITCH_AUGMENTATION_SPEC: Partial<AugmentationSpec> = { ...AUGMENTATION_SPEC, pitch: 1 };

/** How many augmented copies of every training clip, of each kind (absent = 0). */
export interface AugmentCopies {
  augment?: number;
  augmentNoise?: number;
  augmentSpeed?: number;
  augmentPitch?: number;
}

/** Augmented copies of every clip, all kinds together. */
export const augmentCopies = (c: AugmentCopies): number =>
  (c.augment ?? 0) + (c.augmentNoise ?? 0) + (c.augmentSpeed ?? 0) + (c.augmentPitch ?? 0);

/**
 * `augment` augmentation transforms, then `augmentNoise` noise-heavy ones, then `augmentSpeed`
 * speed-perturbed ones, then `augmentPitch` pitch-perturbed ones: copy c of a clip goes through a
 * chain drawn at random (AUGMENTATION_SPEC: reverb, noise, gain, telephone, codec;
 * NOISY_AUGMENTATION_SPEC, SPEED_AUGMENTATION_SPEC and PITCH_AUGMENTATION_SPEC for the other
 * kinds) seeded by the run seed, c and the clip's path.
 */
export function augmentTransforms(
  seed: number,
  copies: AugmentCopies,
  resources: ChannelResources,
  sampleRate: number,
): ClipTransform[] {
  const transform = (name: string, samplerSeed: number, spec: Partial<AugmentationSpec>): ClipTransform => {
    const sampler = augmentationSampler(samplerSeed, spec, { codec: true, noise: true });
    return {
      name: `${name}/${CODEC_CACHE_TAG}`,
      apply: async (x: Float32Array, path: string) =>
        (await sampler.augment(path, x, sampleRate, { resources })).samples,
    };
  };
  // Per kind: its name, the offset of its sampler seeds, its probabilities and its count.
  const kinds = [
    ['augment', 0, AUGMENTATION_SPEC, copies.augment],
    ['augment-noise', 500, NOISY_AUGMENTATION_SPEC, copies.augmentNoise],
    ['augment-speed', 250, SPEED_AUGMENTATION_SPEC, copies.augmentSpeed],
    ['augment-pitch', 750, PITCH_AUGMENTATION_SPEC, copies.augmentPitch],
  ] as const;
  return kinds.flatMap(([name, offset, spec, n]) =>
    Array.from({ length: n ?? 0 }, (_, copy) =>
      transform(`${name}@${seed}:${copy}`, seed * 1000 + offset + copy, spec),
    ),
  );
}

/** Feature vectors of every file (rows in the order of paths); cacheDir null disables the cache. */
export async function featureTable(
  paths: readonly string[],
  spec: ClassicalFeatureSpec,
  cacheDir: string | null = DEFAULT_FEATURE_CACHE_DIR,
  onProgress?: (done: number, total: number) => void,
): Promise<FeatureTable> {
  return (await featureTables(paths, spec, [STUDIO], cacheDir, onProgress))[0];
}

/**
 * Writes a cache entry whole or not at all: to a temporary name of this process's own (so two
 * runs filling the same entry at once cannot rename each other's file away), then renamed, which
 * is atomic.
 */
export function writeCacheEntry(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * Feature vectors of every file under each transform (one table per transform, rows in the
 * order of paths): each file is decoded once, whatever the number of transforms.
 */
export async function featureTables(
  paths: readonly string[],
  spec: ClassicalFeatureSpec,
  transforms: readonly ClipTransform[],
  cacheDir: string | null = DEFAULT_FEATURE_CACHE_DIR,
  onProgress?: (done: number, total: number) => void,
): Promise<FeatureTable[]> {
  if (cacheDir) mkdirSync(cacheDir, { recursive: true });
  const out = transforms.map(() => ({
    names: [] as string[],
    rows: [] as Float64Array[],
    seconds: 0,
    cached: 0,
  }));
  for (const [i, path] of paths.entries()) {
    let samples: Float32Array | null = null;
    for (const [t, transform] of transforms.entries()) {
      const o = out[t];
      const file = cacheDir ? join(cacheDir, `${cacheKey(path, spec, transform.name)}.json`) : null;
      let hit: { names: string[]; values: number[] } | null = null;
      if (file) {
        try {
          hit = JSON.parse(readFileSync(file, 'utf8'));
        } catch {
          hit = null;
        }
      }
      if (hit) {
        o.cached++;
        o.names = hit.names;
        o.rows.push(Float64Array.from(hit.values));
      } else {
        const t0 = performance.now();
        samples ??= await loadMono(path, spec.sampleRate);
        const f = classicalFeatures(await transform.apply(samples, path, i), spec);
        o.seconds += (performance.now() - t0) / 1000;
        o.names = f.names;
        o.rows.push(f.values);
        if (file) writeCacheEntry(file, JSON.stringify({ names: f.names, values: Array.from(f.values) }));
      }
      if (o.rows[i].length !== o.names.length) throw new Error(`feature length changed at ${path}`);
    }
    onProgress?.(i + 1, paths.length);
  }
  return out.map(({ names, rows, seconds, cached }) => {
    const d = names.length;
    const x: Matrix = { data: new Float64Array(rows.length * d), rows: rows.length, cols: d };
    rows.forEach((r, i) => x.data.set(r, i * d));
    return { x, names, seconds, cached };
  });
}
