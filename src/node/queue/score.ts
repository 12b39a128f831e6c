/**
 * Scoring one recording for the queue, with the same code as `emovox predict`:
 *   clip:     decode, keep the speech (src/core/vad requireSpeech), one prediction;
 *   timeline: decode piece by piece (src/core/audio/decode-stream.ts), cut into speech
 *             segments and classify each as they finish (src/core/speech-timeline.ts), then
 *             the per-call summary; memory holds a few seconds of audio plus the open segment
 *             (at most 10 s), whatever the call's length.
 * A recording without speech fails with NO_SPEECH, like `emovox predict`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Clip mode: read and decode the recording, keep the speech, one prediction, the record. */
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

/**
 * Scores synthetic clip `i` (3 s of voiced speech, one of four, written as a WAV file to a
 * temporary folder and removed after) through the same path as a job's recording, and returns
 * its record. V8 compiles the hot code of reading, decoding, VAD, features, model and the
 * hand-over between threads during the first ~50 recordings a thread scores (about 1 CPU s in
 * its compiler threads, and slower scoring meanwhile); a worker does it on these before it takes
 * jobs (score-pool.ts warmUp). A file rather than bytes in memory, so the code is compiled for
 * what jobs bring (a Buffer read from disk). The timeline path shares most of that code.
 */
const warmUpWavs: Uint8Array[] = [];

export async function scoreWarmUpClip(predictor: Predictor, i: number): Promise<ScoredRecord> {
  const k = i % 4;
  warmUpWavs[k] ??= encodeWav16(voicedSpeech(3, 110 + 40 * k, k + 1));
  const dir = mkdtempSync(join(tmpdir(), 'emovox-warm-up-'));
  try {
    const source = join(dir, `clip${k}.wav`);
    writeFileSync(source, warmUpWavs[k]);
    return await scoreClip(predictor, { source, hash: '', model: '', timeline: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
