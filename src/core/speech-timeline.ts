/**
 * The emotion timeline of a stream of any length: mono sample chunks in (a file decoded piece
 * by piece, a live stream), one prediction per speech segment out, as segments finish. Memory
 * is the segmenter's (src/core/vad/segmenter.ts): a short history plus the open segment, at
 * most `maxSegmentSec` (longer speech is cut into several segments). Used by
 * `emovox predict --timeline` and reusable by anything with an async iterable of chunks.
 */
import type { Prediction } from './predict.js';
import { SpeechSegmenter, type SegmenterOptions } from './vad/segmenter.js';

export interface SpeechTimelineEntry {
  startSec: number;
  endSec: number;
  prediction: Prediction;
}

export interface SpeechTimelineOptions {
  sampleRate: number;
  /** Longest segment classified at once (s); longer speech is cut. Default 10. */
  maxSegmentSec?: number;
  vad?: SegmenterOptions['vad'];
}

export const DEFAULT_TIMELINE_MAX_SEGMENT_SEC = 10;

/**
 * Yields one entry per speech segment of `chunks`, classified by `classify` (e.g. a
 * Predictor's predict) on the segment's samples alone.
 */
export async function* speechTimeline(
  chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>,
  classify: (samples: Float32Array) => Promise<Prediction>,
  opts: SpeechTimelineOptions,
): AsyncGenerator<SpeechTimelineEntry> {
  const seg = new SpeechSegmenter({
    sampleRate: opts.sampleRate,
    vad: { maxSegmentSec: opts.maxSegmentSec ?? DEFAULT_TIMELINE_MAX_SEGMENT_SEC, ...opts.vad },
  });
  for await (const chunk of chunks) {
    for (const e of seg.push(chunk)) {
      if (e.type === 'segment')
        yield { startSec: e.startSec, endSec: e.endSec, prediction: await classify(e.samples) };
    }
  }
  for (const e of seg.flush()) {
    if (e.type === 'segment')
      yield { startSec: e.startSec, endSec: e.endSec, prediction: await classify(e.samples) };
  }
}

export interface TimelineSummary {
  /** Seconds of speech in all segments. */
  speechSec: number;
  segments: number;
  /** Per label: the share (0..1) of speech time whose segment was given that label. */
  shares: Record<string, number>;
}

/** The share of speech time in each emotion (every label of `labels` present, 0 when unused). */
export function summariseTimeline(
  entries: readonly SpeechTimelineEntry[],
  labels: readonly string[],
): TimelineSummary {
  const seconds: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  let speechSec = 0;
  for (const e of entries) {
    const d = Math.max(0, e.endSec - e.startSec);
    seconds[e.prediction.label] = (seconds[e.prediction.label] ?? 0) + d;
    speechSec += d;
  }
  const shares = Object.fromEntries(
    Object.entries(seconds).map(([l, s]) => [l, speechSec > 0 ? s / speechSec : 0]),
  );
  return { speechSec, segments: entries.length, shares };
}
