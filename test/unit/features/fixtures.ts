/** Reads the torchaudio reference fixtures written by scripts/fixtures/make_feature_fixtures.py. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/features/', import.meta.url));

export interface FixtureMatrix {
  file: string;
  shape: number[];
}
export interface FixtureIndex {
  torchaudio: string;
  deltaWidth: number;
  configs: Record<string, { featureConfig: Record<string, unknown> }>;
  inputs: Record<
    string,
    FixtureMatrix & {
      corpus?: string;
      path?: string;
      sha256?: string;
      sampleRate: number;
      description: string;
    }
  >;
  cases: { config: string; input: string; outputs: Record<string, FixtureMatrix> }[];
  /** Float64 references checked band by band: synthetic inputs (`file`) or committed EMO-DB WAVs (`wav`). */
  bandInputs: Record<string, { file?: string; wav?: string; description: string; sampleRate: number }>;
  bandCases: { config: string; input: string; outputs: Record<string, FixtureMatrix> }[];
}

export function readIndex(): FixtureIndex {
  return JSON.parse(readFileSync(resolve(FIXTURE_DIR, 'index.json'), 'utf8')) as FixtureIndex;
}

export function readF32(file: string): Float32Array {
  const buf = readFileSync(resolve(FIXTURE_DIR, file));
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

export function readF64(file: string): Float64Array {
  const buf = readFileSync(resolve(FIXTURE_DIR, file));
  const out = new Float64Array(buf.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = buf.readDoubleLE(i * 8);
  return out;
}

/** Samples of a 16-bit PCM mono WAV as int16 / 32768 (the fixture script's convention); checks its SHA-256. */
export function readPcm16Wav(path: string, sha256?: string): Float32Array {
  const buf = readFileSync(path);
  if (sha256 && createHash('sha256').update(buf).digest('hex') !== sha256) {
    throw new Error(`${path} differs from the clip the fixtures were made from`);
  }
  let p = 12;
  while (p + 8 <= buf.length) {
    const id = buf.toString('latin1', p, p + 4);
    const size = buf.readUInt32LE(p + 4);
    if (id === 'data') {
      const out = new Float32Array(size / 2);
      for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(p + 8 + 2 * i) / 32768;
      return out;
    }
    p += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Largest violation of |a - b| <= rel * max(|b|, floor) + abs, as a ratio (<= 1 passes), with its index. */
export function worst(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: { rel?: number; abs?: number; floor?: number },
): { ratio: number; index: number } {
  const { rel = 0, abs = 0, floor = 0 } = tol;
  let ratio = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const allowed = rel * Math.max(Math.abs(expected[i]), floor) + abs;
    const r = Math.abs(actual[i] - expected[i]) / allowed;
    if (!(r <= ratio)) {
      ratio = r;
      index = i;
    }
  }
  return { ratio, index };
}
