/**
 * Scoring one recording for the queue: decode, then either one prediction of the whole clip
 * or, for long calls (--timeline), an emotion per segment and a per-call summary.
 *
 * `callTimeline` is the one place the queue touches timeline code: it calls the project's
 * timeline (Predictor.timeline) and does not implement segmentation of its own.
 */
import type { Predictor } from '../../core/predict.js';
import { toPrediction } from '../../core/predict.js';
import { decodeBytes } from '../decode.js';
import type { CallSummary, ScoredRecord, SegmentRecord } from './results.js';
import { predictionFields } from './results.js';

export interface CallTimeline {
  segments: SegmentRecord[];
  summary: CallSummary;
}

/** Segments of a call with an emotion each, and the per-call summary. */
export async function callTimeline(samples: Float32Array, predictor: Predictor): Promise<CallTimeline> {
  const segs = await predictor.timeline(samples);
  const segments = segs.map((s) => ({
    startSec: s.startSec,
    endSec: s.endSec,
    ...predictionFields(s.prediction),
  }));
  return { segments, summary: summarise(segments, samples.length / predictor.sampleRate, predictor.labels) };
}

/**
 * Per-call summary: scored time, and the share of it each label won. Overlapping segments
 * (hop < window) share their overlap equally, so the shares add up to 1.
 */
export function summarise(segments: SegmentRecord[], durationSec: number, labels: string[]): CallSummary {
  const labelShare: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  let speechSec = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    // Own the time from this segment's start to the next one's (or to its own end).
    const end = i + 1 < segments.length ? Math.min(s.endSec, segments[i + 1].startSec) : s.endSec;
    const own = Math.max(0, end - s.startSec);
    labelShare[s.label] += own;
    speechSec += own;
  }
  if (speechSec > 0) for (const l of labels) labelShare[l] /= speechSec;
  return { durationSec, speechSec, segments: segments.length, labelShare };
}

/** Duration-weighted mean of the segments' probabilities, as one prediction for the call. */
export function callPrediction(segments: SegmentRecord[], labels: string[]) {
  const sum = new Float64Array(labels.length);
  let w = 0;
  for (const s of segments) {
    const d = Math.max(1e-6, s.endSec - s.startSec);
    labels.forEach((l, i) => (sum[i] += d * (s.probabilities[l] ?? 0)));
    w += d;
  }
  return toPrediction(
    Array.from(sum, (v) => v / w),
    labels,
  );
}

export interface ScoreInput {
  source: string;
  hash: string;
  model: string;
  timeline: boolean;
}

/**
 * Decodes the recording's bytes and scores it. Whole-clip mode keeps the decoder's length
 * limit (10 min); timeline mode accepts any length.
 */
export async function scoreRecording(
  bytes: Uint8Array,
  predictor: Predictor,
  input: ScoreInput,
): Promise<ScoredRecord> {
  const audio = await decodeBytes(bytes, {
    targetSampleRate: predictor.sampleRate,
    ...(input.timeline ? { maxDurationSec: Infinity } : {}),
  });
  const durationSec = audio.samples.length / predictor.sampleRate;
  const base = { file: input.source, hash: input.hash, model: input.model, durationSec };
  if (!input.timeline) {
    const p = await predictor.predict(audio.samples);
    return { ...base, ...predictionFields(p), scoredAt: new Date().toISOString() };
  }
  const t = await callTimeline(audio.samples, predictor);
  const overall = callPrediction(t.segments, predictor.labels);
  return { ...base, ...predictionFields(overall), ...t, scoredAt: new Date().toISOString() };
}
