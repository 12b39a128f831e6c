/**
 * A scoring thread of the worker's pool (piscina): loads the model once, then reads, decodes
 * and scores one recording per task. Errors in the recording itself (user-facing EmovoxErrors:
 * AudioError, NoSpeechError, PredictError) come back as a value, so the worker can fail the job
 * for good; anything else (a missing mount, a network error, a bug) is thrown and retried.
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

export default async function score(input: ScoreInput | WarmUpTask): Promise<ThreadReply | null> {
  const p = await load();
  if ('warmUp' in input && input.index === null) return null;
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
