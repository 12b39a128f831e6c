/**
 * A scoring thread of the worker's pool (piscina): loads the model once, then reads, decodes
 * and scores the recordings of each task (a batch of one or more, one after another). Errors in
 * the recording itself (user-facing EmovoxErrors: AudioError, NoSpeechError, PredictError) come
 * back as a value, so the worker can fail the job for good; anything else (a missing mount, a
 * network error, a bug) is thrown and retried.
 */
import { workerData } from 'node:worker_threads';
import { isUserFacing } from '../../core/errors.js';
import { Predictor } from '../../core/predict.js';
import { initBackend } from '../backend.js';
import { loadBundleFromDir } from '../bundle-io.js';
import type { ScoredRecord } from './results.js';
import { scoreRecording, scoreWarmUpClip, type ScoreInput } from './score.js';

export interface ThreadData {
  modelDir: string;
  backend: 'wasm' | 'cpu';
  /** Shared with the pool: once its first element is 1, a batch's recordings not yet begun are handed back. */
  stop: Int32Array;
}

export type ThreadReply =
  { ok: true; record: ScoredRecord; scoreMs: number } | { ok: false; code: string; error: string };

let predictor: Promise<Predictor> | null = null;

function load(): Promise<Predictor> {
  const d = workerData as ThreadData;
  predictor ??= initBackend(d.backend).then(async () =>
    Predictor.fromBundle(await loadBundleFromDir(d.modelDir)),
  );
  return predictor;
}

/** A warm-up task: load the model, then score synthetic clip `index` (score.ts scoreWarmUpClip) unless null. */
export interface WarmUpTask {
  warmUp: true;
  index: number | null;
}

/** A batch of recordings (or warm-up clips) for one task: one hand-over between threads for all. */
export interface BatchTask {
  batch: (ScoreInput | WarmUpTask)[];
}

/**
 * One recording's answer in a batch: its reply, the message of an error thrown by it (retried),
 * or `returned` for one not begun because the worker is stopping.
 */
export type BatchItemReply = ThreadReply | { ok: false; thrown: string } | { ok: false; returned: true };

export default async function run(task: BatchTask | WarmUpTask): Promise<BatchItemReply[] | null> {
  const p = await load();
  if (!('batch' in task)) return null;
  const replies: BatchItemReply[] = [];
  const stop = (workerData as ThreadData).stop;
  for (const input of task.batch) {
    if (Atomics.load(stop, 0) === 1) {
      replies.push({ ok: false, returned: true });
      continue;
    }
    try {
      replies.push(await score(p, input));
    } catch (err) {
      replies.push({ ok: false, thrown: (err as Error).message ?? String(err) });
    }
  }
  return replies;
}

async function score(p: Predictor, input: ScoreInput | WarmUpTask): Promise<ThreadReply> {
  const t0 = performance.now();
  try {
    const record = await ('warmUp' in input ? scoreWarmUpClip(p, input.index!) : scoreRecording(p, input));
    return { ok: true, record, scoreMs: performance.now() - t0 };
  } catch (err) {
    if (!isUserFacing(err)) throw err;
    const msg = err.message;
    const source = 'warmUp' in input ? 'warm-up' : input.source;
    return {
      ok: false,
      code: err.code,
      error: msg.startsWith(source) ? msg : `${source}: ${msg}`,
    };
  }
}
