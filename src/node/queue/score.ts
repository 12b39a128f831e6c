/**
 * Scoring one recording for the queue, with the same code as `emovox predict`:
 *   clip:     decode, keep the speech (src/core/vad requireSpeech), one prediction;
 *   timeline: decode piece by piece (src/core/audio/decode-stream.ts), cut into speech
 *             segments and classify each as they finish (src/core/speech-timeline.ts), then
 *             the per-call summary; memory holds a few seconds of audio plus the open segment
 *             (at most 10 s), whatever the call's length.
 * A recording without speech fails with NO_SPEECH, like `emovox predict`.
 */
import { decodeStream } from '../../core/audio/decode-stream.js';
import type { Predictor } from '../../core/predict.js';
import { toPrediction } from '../../core/predict.js';
import { speechTimeline, summariseTimeline, type SpeechTimelineEntry } from '../../core/speech-timeline.js';
import { NoSpeechError, requireSpeech } from '../../core/vad/index.js';
import { decodeBytes } from '../decode.js';
import type { ScoredRecord, SegmentRecord } from './results.js';
import { predictionFields } from './results.js';
import { openSource, readSource } from './sources.js';

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

const r3 = (v: number) => Math.round(v * 1000) / 1000;

async function scoreClip(predictor: Predictor, input: ScoreInput): Promise<ScoredRecord> {
  const audio = await decodeBytes(await readSource(input.source), { targetSampleRate: predictor.sampleRate });
  const { speech } = requireSpeech(audio.samples, audio.sampleRate);
  const p = await predictor.predict(speech);
  return {
    file: input.source,
    hash: input.hash,
    model: input.model,
    ...predictionFields(p),
    durationSec: r3(audio.samples.length / audio.sampleRate),
    speechSec: r3(speech.length / audio.sampleRate),
    scoredAt: new Date().toISOString(),
  };
}

async function scoreCall(predictor: Predictor, input: ScoreInput): Promise<ScoredRecord> {
  const sr = predictor.sampleRate;
  let decodedSec = 0;
  const chunks = decodeStream(await openSource(input.source), { targetSampleRate: sr });
  const counted = (async function* () {
    for await (const c of chunks) {
      decodedSec += c.length / sr;
      yield c;
    }
  })();
  const entries: SpeechTimelineEntry[] = [];
  for await (const e of speechTimeline(counted, (x) => predictor.predict(x), { sampleRate: sr })) {
    entries.push(e);
  }
  if (entries.length === 0) throw new NoSpeechError(decodedSec);
  const segments: SegmentRecord[] = entries.map((e) => ({
    startSec: r3(e.startSec),
    endSec: r3(e.endSec),
    ...predictionFields(e.prediction),
  }));
  const summary = summariseTimeline(entries, predictor.labels);
  return {
    file: input.source,
    hash: input.hash,
    model: input.model,
    ...predictionFields(callPrediction(segments, predictor.labels)),
    durationSec: r3(decodedSec),
    speechSec: r3(summary.speechSec),
    segments,
    summary: { ...summary, speechSec: r3(summary.speechSec) },
    scoredAt: new Date().toISOString(),
  };
}

/** Scores the recording at `input.source` (a path or URL) with `predictor`. */
export function scoreRecording(predictor: Predictor, input: ScoreInput): Promise<ScoredRecord> {
  return input.timeline ? scoreCall(predictor, input) : scoreClip(predictor, input);
}
