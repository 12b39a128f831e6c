/**
 * Parity with torchaudio (fixtures from scripts/fixtures/make_feature_fixtures.py): mel power
 * within 1e-4 relative (relative to max(|ref|, 1e-10), the dB floor amin, below which values
 * do not reach any feature), dB within 1e-3 dB, MFCC and deltas within 1e-3 absolute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  extractFeatures,
  logMelSpectrogram,
  melSpectrogram,
  mfcc,
  parseFeatureConfig,
  type FeatureConfigInput,
  type FeatureMatrix,
} from '../../../src/core/features/index.js';
import { corpus } from '../../helpers/datasets.js';
import { readF32, readIndex, readPcm16Wav, worst } from './fixtures.js';

const index = readIndex();
const emodb = corpus('emodb');

function input(name: string): Float32Array {
  const meta = index.inputs[name];
  if (meta.corpus === 'emodb') return readPcm16Wav(resolve(emodb.dir, meta.path as string), meta.sha256);
  return readF32(meta.file);
}

function check(
  what: string,
  actual: FeatureMatrix,
  ref: { file: string; shape: number[] },
  tol: { rel?: number; abs?: number; floor?: number },
): void {
  assert.deepEqual([actual.frames, actual.coeffs], ref.shape, `${what}: shape`);
  const expected = readF32(ref.file);
  const w = worst(actual.data, expected, tol);
  assert.ok(
    w.ratio <= 1,
    `${what}: frame ${Math.floor(w.index / actual.coeffs)} coefficient ${w.index % actual.coeffs}: ` +
      `${actual.data[w.index]} vs torchaudio ${expected[w.index]} (${w.ratio.toFixed(2)} x the tolerance)`,
  );
}

/** Columns [from, from + n) of a frames-major matrix. */
function columns(m: FeatureMatrix, from: number, n: number): FeatureMatrix {
  const data = new Float32Array(m.frames * n);
  for (let t = 0; t < m.frames; t++)
    data.set(m.data.subarray(t * m.coeffs + from, t * m.coeffs + from + n), t * n);
  return { data, frames: m.frames, coeffs: n };
}

for (const c of index.cases) {
  const isCorpus = index.inputs[c.input].corpus === 'emodb';
  test(`torchaudio parity: ${c.config} config, ${c.input}`, { skip: isCorpus ? emodb.skip : false }, () => {
    const x = input(c.input);
    const cfg = index.configs[c.config].featureConfig as Partial<FeatureConfigInput>;
    const o = c.outputs;
    check('mel power', melSpectrogram(x, cfg), o.melPower, { rel: 1e-4, floor: 1e-10 });
    check('mel dB', logMelSpectrogram(x, cfg), o.melDb, { abs: 1e-3 });
    const m = mfcc(x, cfg);
    check('MFCC', m, o.mfcc, { abs: 1e-3 });
    const all = extractFeatures(x, parseFeatureConfig({ ...cfg, deltaOrder: 2 }));
    const n = m.coeffs;
    assert.equal(all.coeffs, 3 * n);
    check('static part of deltaOrder 2', columns(all, 0, n), o.mfcc, { abs: 1e-3 });
    check('deltas', columns(all, n, n), o.delta1, { abs: 1e-3 });
    check('delta-deltas', columns(all, 2 * n, n), o.delta2, { abs: 1e-3 });
  });
}

test('the fixtures cover the three configurations and six inputs', () => {
  assert.deepEqual(Object.keys(index.configs).sort(), ['htk', 'librosa', 'povey']);
  assert.equal(Object.keys(index.inputs).length, 6);
  assert.equal(index.cases.length, 18);
});
