/**
 * Scoring one recording for the queue, with the same code as `emovox predict`:
 *   clip:     decode, keep the speech (src/core/vad requireSpeech), one prediction;
 *   timeline: decode piece by piece (src/core/audio/decode-stream.ts), cut into speech
 *             segments and classify each as they finish (src/core/speech-timeline.ts), then
 *             the per-call summary; memory holds a few seconds of audio plus the open segment
 *             (at most 10 s), whatever the call's length.
 * A recording without speech fails with NO_SPEECH, like `emovox predict`.
 */
import { isUserFacing } from '../../core/errors.js';
import { decodeStream } from '../../core/audio/decode-stream.js';
import { voicedSpeech } from '../../core/audio/synthetic-speech.js';
import { encodeWav16 } from '../../core/audio/wav-encode.js';
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

/** Clip mode on a recording's bytes: decode, keep the speech, one prediction. */
async function clipPrediction(predictor: Predictor, bytes: Uint8Array) {
  const audio = await decodeBytes(bytes, { targetSampleRate: predictor.sampleRate });
  const { speech } = requireSpeech(audio.samples, audio.sampleRate);
  return { p: await predictor.predict(speech), audio, speech };
}

/**
 * Scores `clips` synthetic 3 s clips of voiced speech (encoded as WAV, four different ones in
 * turn) through the clip path and throws the results away: V8 compiles the hot code of
 * decoding, VAD, features and model during the first ~50 recordings a thread scores (about
 * 1 CPU s in its compiler threads, and slower scoring meanwhile), and a worker does it before
 * it takes jobs instead of on them. The timeline path shares most of that code. A model that
 * finds no speech in them (a user-facing error) ends the warm-up early; it is no reason to refuse
 * the worker.
 */
export async function warmUpScoring(predictor: Predictor, clips: number): Promise<void> {
  const wavs: Uint8Array[] = [];
  try {
    for (let i = 0; i < clips; i++) {
      if (wavs.length < 4) wavs.push(encodeWav16(voicedSpeech(3, 110 + 40 * i, i + 1)));
      await clipPrediction(predictor, wavs[i % wavs.length]);
    }
  } catch (err) {
    if (!isUserFacing(err)) throw err;
  }
}

async function scoreClip(predictor: Predictor, input: ScoreInput): Promise<ScoredRecord> {
  const { p, audio, speech } = await clipPrediction(predictor, await readSource(input.source));
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
