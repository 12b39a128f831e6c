/**
 * Band-by-band parity with float64 torchaudio (scripts/fixtures/make_feature_fixtures.py,
 * "band cases"): every one of the 40 mel bands within 1e-3 dB and every MFCC within 1e-3, on
 * signals with content near 0 Hz and near Nyquist and on two EMO-DB clips decoded by Emovox's
 * own decoder (the path `emovox features` takes). The weakest bands are where an asymmetric
 * int16 -> float conversion in the decoder once showed up as 0.07 dB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { DEFAULT_FEATURE_CONFIG, logMelDb, mfccRows } from '../../../src/core/features/index.js';
import { decodeFile } from '../../../src/node/decode.js';
import { FIXTURE_DIR, readF32, readF64, readIndex } from './fixtures.js';

const index = readIndex();
const DB_TOL = 1e-3;
const MFCC_TOL = 1e-3;

async function input(name: string): Promise<Float32Array> {
  const meta = index.bandInputs[name];
  if (meta.wav)
    return (await decodeFile(resolve(FIXTURE_DIR, meta.wav), { targetSampleRate: 16000 })).samples;
  return readF32(meta.file!);
}

/** Largest |actual - expected| per column of two frames-major matrices. */
function worstPerColumn(actual: Float64Array, expected: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= out[i % cols])) out[i % cols] = d;
  }
  return out;
}

test('the band fixtures cover near-0 Hz, near-Nyquist and two real EMO-DB clips', () => {
  assert.deepEqual(Object.keys(index.bandInputs).sort(), ['emodb-12a05Wb', 'emodb-16b10Wb', 'high', 'low']);
  assert.equal(index.bandCases.length, 4);
});

for (const c of index.bandCases) {
  test(`float64 torchaudio parity of every mel band and MFCC: ${c.input}`, async () => {
    const x = await input(c.input);
    const cfg = DEFAULT_FEATURE_CONFIG;
    const db = logMelDb(x, cfg);
    const mf = mfccRows(x, cfg);
    assert.deepEqual([db.frames, db.nMels], c.outputs.melDb.shape);
    assert.deepEqual([mf.frames, mf.nMfcc], c.outputs.mfcc.shape);
    const dbWorst = worstPerColumn(db.data, readF64(c.outputs.melDb.file), db.nMels);
    dbWorst.forEach((w, b) =>
      assert.ok(
        w <= DB_TOL,
        `${c.input}: mel band ${b} differs from torchaudio by up to ${w} dB (> ${DB_TOL})`,
      ),
    );
    const mfWorst = worstPerColumn(mf.data, readF64(c.outputs.mfcc.file), mf.nMfcc);
    mfWorst.forEach((w, k) =>
      assert.ok(w <= MFCC_TOL, `${c.input}: MFCC ${k} differs from torchaudio by up to ${w} (> ${MFCC_TOL})`),
    );
  });
}
