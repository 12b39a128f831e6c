/**
 * Reading a corpus's audio: every utterance decoded to a mono Float32 signal at the feature
 * config's sample rate, through the project's decoder (format detection, resampling, and
 * errors that name the file). The one loader used by training, evaluation and tuning.
 */
import type { Utterance } from '../datasets/index.js';
import { decodeFile } from '../decode.js';

export async function loadMono(path: string, sampleRate: number): Promise<Float32Array> {
  return (await decodeFile(path, { targetSampleRate: sampleRate })).samples;
}

export interface DecodedCorpus {
  /** The utterances that decoded, in their order. */
  ok: Utterance[];
  /** Signal at the requested rate by utterance path. */
  signals: Map<string, Float32Array>;
  /** Files that could not be decoded (only with onFailure 'skip'); the reason names the file. */
  failed: { path: string; reason: string }[];
}

export interface DecodeCorpusOptions {
  /** 'skip': leave a file that fails out and list it in `failed`; 'throw' (default): stop at it. */
  onFailure?: 'skip' | 'throw';
  /** Called after each utterance (decoded or failed). */
  onProgress?: (done: number, total: number) => void;
}

/** The reason a file failed, naming the file once. */
export function failureReason(path: string, err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  return message.includes(path) ? message : `${path}: ${message}`;
}

/** Decodes every utterance at `sampleRate` (the feature config's rate: features must see that rate). */
export async function decodeCorpus(
  utterances: readonly Utterance[],
  sampleRate: number,
  o: DecodeCorpusOptions = {},
): Promise<DecodedCorpus> {
  const out: DecodedCorpus = { ok: [], signals: new Map(), failed: [] };
  for (const [i, u] of utterances.entries()) {
    try {
      if (!out.signals.has(u.path)) out.signals.set(u.path, await loadMono(u.path, sampleRate));
      out.ok.push(u);
    } catch (err) {
      if (o.onFailure !== 'skip') throw err;
      out.failed.push({ path: u.path, reason: failureReason(u.path, err) });
    }
    o.onProgress?.(i + 1, utterances.length);
  }
  return out;
}
