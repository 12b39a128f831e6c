/**
 * Reads an audio file as a mono Float32 signal for feature extraction (audio-decode: WAV,
 * FLAC, MP3, OGG...). Evaluation needs files already at the feature sample rate (both shared
 * corpora are 16 kHz); anything else is refused with a message saying so.
 */
import { readFile } from 'node:fs/promises';
import decode from 'audio-decode';

/** An audio file evaluation cannot use (user-facing). */
export class EvalAudioError extends Error {
  readonly code = 'BAD_AUDIO';
  constructor(message: string) {
    super(message);
    this.name = 'EvalAudioError';
  }
}

export async function loadMono(path: string, sampleRate: number): Promise<Float32Array> {
  const bytes = await readFile(path);
  let a: { channelData: Float32Array[]; sampleRate: number };
  try {
    a = await decode(new Uint8Array(bytes));
  } catch (e) {
    throw new EvalAudioError(`${path}: cannot decode (${(e as Error).message})`);
  }
  if (a.sampleRate !== sampleRate) {
    throw new EvalAudioError(`${path}: sample rate ${a.sampleRate} Hz, evaluation expects ${sampleRate} Hz`);
  }
  const ch = a.channelData;
  if (ch.length === 0 || ch[0].length === 0) throw new EvalAudioError(`${path}: no audio samples`);
  if (ch.length === 1) return ch[0];
  const out = new Float32Array(ch[0].length);
  for (const c of ch) for (let i = 0; i < out.length; i++) out[i] += c[i] / ch.length;
  return out;
}
