/**
 * What callers do with the detector's segments: refuse a clip without speech (NoSpeechError,
 * code NO_SPEECH) and keep only its speech for the classifier.
 */
import { EmovoxError } from '../errors.js';
import { detectSpeech, type SpeechSegment, type VadOptions } from './detector.js';

/** A clip in which the detector heard no speech (user-facing: the API's 422 NO_SPEECH). */
export class NoSpeechError extends EmovoxError {
  constructor(durationSec: number) {
    super(
      'NO_SPEECH',
      `no speech heard in ${durationSec.toFixed(2)} s of audio (only silence, noise or hum); ` +
        'send a recording in which someone speaks',
    );
  }
}

/** Padding kept around each segment when the speech is cut out (s). */
export const SPEECH_PAD_SEC = 0.05;

/**
 * The samples of `segments` (each widened by `padSec`, clipped to the signal, overlaps merged)
 * one after the other: the clip with its pauses and noise-only stretches removed.
 */
export function speechSamples(
  samples: Float32Array,
  sampleRate: number,
  segments: readonly SpeechSegment[],
  padSec = SPEECH_PAD_SEC,
): Float32Array {
  const ranges: [number, number][] = [];
  for (const s of segments) {
    const a = Math.max(0, Math.floor((s.startSec - padSec) * sampleRate));
    const b = Math.min(samples.length, Math.ceil((s.endSec + padSec) * sampleRate));
    if (b <= a) continue;
    const last = ranges[ranges.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else ranges.push([a, b]);
  }
  if (ranges.length === 1 && ranges[0][0] === 0 && ranges[0][1] === samples.length) return samples;
  const out = new Float32Array(ranges.reduce((n, [a, b]) => n + b - a, 0));
  let o = 0;
  for (const [a, b] of ranges) {
    out.set(samples.subarray(a, b), o);
    o += b - a;
  }
  return out;
}

/**
 * The speech of a clip, for classification: its segments and their samples concatenated.
 * Throws NoSpeechError when there is none.
 */
export function requireSpeech(
  samples: Float32Array,
  sampleRate: number,
  opts: Partial<Omit<VadOptions, 'sampleRate'>> = {},
): { segments: SpeechSegment[]; speech: Float32Array } {
  const segments = detectSpeech(samples, sampleRate, opts);
  if (segments.length === 0) throw new NoSpeechError(samples.length / sampleRate);
  return { segments, speech: speechSamples(samples, sampleRate, segments) };
}
