/**
 * Reads an audio file as a mono Float32 signal at the feature sample rate, through the
 * project's decoder (format detection, resampling, and AudioErrors that name the problem).
 */
import { decodeFile } from '../decode.js';

export async function loadMono(path: string, sampleRate: number): Promise<Float32Array> {
  return (await decodeFile(path, { targetSampleRate: sampleRate })).samples;
}
