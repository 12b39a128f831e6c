/**
 * Per-epoch checkpoints: model weights, the best weights so far, Adam's state, the RNG state,
 * the history and (weight averaging) the running sum of weights and its count, written
 * atomically to one folder (state.json + four .bin files) so that
 * `--resume` after a crash or SIGKILL continues from the last finished epoch. A fingerprint of
 * the options and data refuses to resume a different run.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HistoryEntry } from '../../core/bundle.js';
import { writeFolderAtomic } from '../bundle-io.js';
import { TrainError } from './options.js';
import type { NamedTensor, TrainSnapshot } from './trainer.js';

const STATE = 'state.json';
const CHECKPOINT_VERSION = 1;

interface StateJson {
  version: number;
  fingerprint: string;
  epoch: number;
  history: HistoryEntry[];
  rngState: number;
  badEpochs: number;
  bestEpoch: number | null;
  bestValLoss: number | null;
  /** Epochs summed in average.bin (weight averaging; absent in checkpoints written before it). */
  averageCount?: number;
  specs: {
    model: tf.io.WeightsManifestEntry[];
    best: tf.io.WeightsManifestEntry[] | null;
    optimizer: tf.io.WeightsManifestEntry[];
    average?: tf.io.WeightsManifestEntry[] | null;
  };
  savedAt: string;
}

/** Stable hash of whatever defines a run (options, labels, files); resuming requires the same. */
export function runFingerprint(definition: unknown): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 16);
}

async function encode(
  tensors: NamedTensor[],
): Promise<{ data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { data: new Uint8Array(data), specs };
}

function decode(bytes: Buffer, specs: tf.io.WeightsManifestEntry[]): NamedTensor[] {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(ab, specs);
  return specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}

const indexed = (ts: tf.Tensor[]): NamedTensor[] => ts.map((tensor, i) => ({ name: `w${i}`, tensor }));

export async function saveCheckpoint(dir: string, fingerprint: string, s: TrainSnapshot): Promise<void> {
  const model = await encode(indexed(s.modelWeights));
  const best = s.bestWeights ? await encode(indexed(s.bestWeights)) : null;
  const optimizer = await encode(s.optimizerWeights);
  const average = s.averageSum ? await encode(indexed(s.averageSum)) : null;
  const state: StateJson = {
    version: CHECKPOINT_VERSION,
    fingerprint,
    epoch: s.epoch,
    history: s.history,
    rngState: s.rngState,
    badEpochs: s.badEpochs,
    bestEpoch: s.bestEpoch,
    bestValLoss: s.bestValLoss,
    averageCount: s.averageCount ?? 0,
    specs: {
      model: model.specs,
      best: best?.specs ?? null,
      optimizer: optimizer.specs,
      average: average?.specs ?? null,
    },
    savedAt: new Date().toISOString(),
  };
  await writeFolderAtomic(dir, {
    'model.bin': model.data,
    'best.bin': best?.data ?? new Uint8Array(0),
    'optimizer.bin': optimizer.data,
    'average.bin': average?.data ?? new Uint8Array(0),
    [STATE]: JSON.stringify(state, null, 2) + '\n',
  });
}

/** The checkpoint in `dir`, or null when there is none; throws if it belongs to a different run. */
export async function loadCheckpoint(dir: string, fingerprint: string): Promise<TrainSnapshot | null> {
  if (!existsSync(join(dir, STATE))) return null;
  let state: StateJson;
  try {
    state = JSON.parse(await readFile(join(dir, STATE), 'utf8')) as StateJson;
  } catch {
    throw new TrainError(`checkpoint ${join(dir, STATE)} is unreadable; delete ${dir} to start again`);
  }
  if (state.version !== CHECKPOINT_VERSION) {
    throw new TrainError(`checkpoint ${dir} has version ${state.version}, expected ${CHECKPOINT_VERSION}`);
  }
  if (state.fingerprint !== fingerprint) {
    throw new TrainError(
      `checkpoint ${dir} belongs to a run with different options or data; resume with the same arguments, or delete it to start again`,
    );
  }
  const read = (f: string) => readFile(join(dir, f));
  return {
    epoch: state.epoch,
    history: state.history,
    rngState: state.rngState,
    badEpochs: state.badEpochs,
    bestEpoch: state.bestEpoch,
    bestValLoss: state.bestValLoss,
    modelWeights: decode(await read('model.bin'), state.specs.model).map((n) => n.tensor),
    bestWeights: state.specs.best
      ? decode(await read('best.bin'), state.specs.best).map((n) => n.tensor)
      : null,
    optimizerWeights: decode(await read('optimizer.bin'), state.specs.optimizer),
    averageSum: state.specs.average
      ? decode(await read('average.bin'), state.specs.average).map((n) => n.tensor)
      : null,
    averageCount: state.averageCount ?? 0,
  };
}

/**
 * Removes a checkpoint folder and the half-written siblings (`DIR.tmp-*`, `DIR.old-*` of
 * writeFolderAtomic) that a run killed while saving leaves next to it.
 */
export async function removeCheckpoint(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const name = basename(dir);
  const siblings = await readdir(dirname(dir)).catch(() => [] as string[]);
  for (const s of siblings) {
    if (s.startsWith(`${name}.tmp-`) || s.startsWith(`${name}.old-`))
      await rm(join(dirname(dir), s), { recursive: true, force: true });
  }
}
