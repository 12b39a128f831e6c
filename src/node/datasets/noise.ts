/**
 * Background-noise recordings (e.g. ../shared/datasets/noise: the Speech Commands
 * `_background_noise_` files) for the `noise-<SNR>db` channel condition and augmentation:
 * list the audio files of a folder and decode them to mono at the model's rate.
 */
import { basename, extname, resolve } from 'node:path';
import { decodeFile } from '../decode.js';
import { isAudioName, listFiles, requireDir } from './files.js';
import { CorpusError } from './types.js';

export interface NoiseRecording {
  /** File name without extension, e.g. 'running_tap'. */
  name: string;
  path: string;
  samples: Float32Array;
}

/** The audio files of a noise folder (recursively, sorted). */
export async function listNoise(dir: string): Promise<string[]> {
  const root = resolve(dir);
  requireDir(root, 'noise');
  const files = (await listFiles(root)).filter(isAudioName);
  if (files.length === 0) throw new CorpusError(`noise folder ${root} has no audio files`);
  return files;
}

/** Every recording of the folder decoded to mono at `sampleRate` (recordings up to 10 minutes each). */
export async function readNoise(dir: string, sampleRate: number): Promise<NoiseRecording[]> {
  const out: NoiseRecording[] = [];
  for (const path of await listNoise(dir)) {
    const { samples } = await decodeFile(path, { targetSampleRate: sampleRate });
    out.push({ name: basename(path, extname(path)), path, samples });
  }
  return out;
}
