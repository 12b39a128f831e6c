/**
 * What channel chains need from Node: the Opus codec and the noise recordings (decoded once
 * at the model's rate). Babble needs the caller's own training utterances (other speakers
 * than the test clip's), so it is passed in rather than loaded here.
 */
import { resolve } from 'node:path';
import { seededRng, shuffleInPlace } from '../../core/random.js';
import {
  chainNeeds,
  ChannelError,
  type ChannelChain,
  type ChannelResources,
} from '../../core/channel/chain.js';
import type { BabbleSource } from '../../core/channel/noise.js';
import { DEFAULT_DATASETS_DIR } from '../datasets/corpora.js';
import { readNoise } from '../datasets/noise.js';
import type { Utterance } from '../datasets/types.js';
import { decodeFile } from '../decode.js';
import { opusCodec } from './opus.js';

/** Noise recordings used when no folder is named: the shared layout's `noise/`. */
export const DEFAULT_NOISE_DIR = resolve(DEFAULT_DATASETS_DIR, 'noise');

export interface ResourceOptions {
  sampleRate: number;
  /** Folder of noise recordings (default ../shared/datasets/noise). */
  noiseDir?: string;
  /** Utterances of training speakers at `sampleRate`, for babble. */
  babble?: readonly BabbleSource[];
}

/** The resources every chain of `chains` needs, loading only those (noise is decoded once). */
export async function loadChannelResources(
  chains: readonly ChannelChain[],
  o: ResourceOptions,
): Promise<ChannelResources> {
  const needs = new Set(chains.flatMap((c) => [...chainNeeds(c)]));
  const out: ChannelResources = {};
  if (needs.has('codec')) out.codec = opusCodec;
  if (needs.has('noise')) {
    out.noise = (await readNoise(o.noiseDir ?? DEFAULT_NOISE_DIR, o.sampleRate)).map((r) => r.samples);
  }
  if (needs.has('babble')) {
    if (!o.babble?.length) {
      throw new ChannelError('babble conditions need utterances of training speakers; none were given');
    }
    out.babble = o.babble;
  }
  return out;
}

/**
 * A babble pool from training utterances: `perSpeaker` clips of every speaker (a seeded
 * choice), decoded at `sampleRate`. Babble for a clip then sums 3-6 of them from other speakers.
 */
export async function babblePool(
  utterances: readonly Utterance[],
  sampleRate: number,
  { perSpeaker = 2, seed = 1 }: { perSpeaker?: number; seed?: number } = {},
): Promise<BabbleSource[]> {
  const bySpeaker = new Map<string, Utterance[]>();
  for (const u of utterances) bySpeaker.set(u.speaker, [...(bySpeaker.get(u.speaker) ?? []), u]);
  const random = seededRng(seed);
  const pool: BabbleSource[] = [];
  for (const speaker of [...bySpeaker.keys()].sort()) {
    const clips = [...bySpeaker.get(speaker)!];
    shuffleInPlace(clips, random);
    for (const u of clips.slice(0, perSpeaker)) {
      pool.push({ speaker, samples: (await decodeFile(u.path, { targetSampleRate: sampleRate })).samples });
    }
  }
  return pool;
}
