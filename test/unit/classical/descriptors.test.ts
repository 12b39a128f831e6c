import { test } from 'node:test';
import assert from 'node:assert/strict';
import { descriptorFunctionals, frameDescriptors } from '../../../src/core/classical/descriptors.js';
import { classicalFeatures, DEFAULT_CLASSICAL_FEATURES } from '../../../src/core/classical/featurize.js';

function tone(f0: number, seconds: number, amp = 0.3, sr = 16000): Float32Array {
  const x = new Float32Array(Math.round(sr * seconds));
  for (let i = 0; i < x.length; i++) {
    const t = i / sr;
    x[i] =
      amp *
      (Math.sin(2 * Math.PI * f0 * t) +
        0.5 * Math.sin(4 * Math.PI * f0 * t) +
        0.2 * Math.sin(6 * Math.PI * f0 * t));
  }
  return x;
}

const semitones = (hz: number) => 12 * Math.log2(hz / 27.5);
const value = (r: { values: Float64Array; names: string[] }, name: string) => r.values[r.names.indexOf(name)];

for (const f0 of [110, 220, 400]) {
  test(`pitch of a ${f0} Hz harmonic tone is found within a quarter semitone, no octave errors`, () => {
    const d = frameDescriptors(tone(f0, 1));
    const voiced = Array.from(d.f0Semitones).filter(Number.isFinite);
    assert.ok(voiced.length > 0.9 * d.frames, `${voiced.length} of ${d.frames} frames voiced`);
    for (const s of voiced) assert.ok(Math.abs(s - semitones(f0)) < 0.25, `${s} vs ${semitones(f0)}`);
  });
}

test('white noise is unvoiced and a louder copy has higher loudness and the same spectral shape', () => {
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const noise = Float32Array.from({ length: 16000 }, () => 0.1 * rnd());
  const quiet = descriptorFunctionals(noise);
  const loud = descriptorFunctionals(noise.map((v) => v * 4));
  assert.ok(value(quiet, 'voicedFraction') < 0.1);
  assert.ok(
    Math.abs(value(loud, 'loudnessDb_mean') - value(quiet, 'loudnessDb_mean') - 20 * Math.log10(4)) < 0.1,
  );
  assert.ok(Math.abs(value(loud, 'centroidHz_mean') - value(quiet, 'centroidHz_mean')) < 1);
  // White noise: centroid near a quarter of the sample rate.
  assert.ok(Math.abs(value(quiet, 'centroidHz_mean') - 4000) < 300);
});

test('classicalFeatures: one finite, named value per feature; MFCC, deltas and descriptors all present', () => {
  const f = classicalFeatures(tone(200, 1.5));
  assert.equal(f.values.length, f.names.length);
  assert.ok(f.values.every(Number.isFinite));
  assert.equal(new Set(f.names).size, f.names.length);
  const n = DEFAULT_CLASSICAL_FEATURES.nMfcc * 3 * DEFAULT_CLASSICAL_FEATURES.functionals.length;
  assert.ok(
    f.names.includes('mfcc0_mean') && f.names.includes('mfccD39_slope') && f.names.includes('mfccDD5_p90'),
  );
  assert.ok(f.names.includes('f0Semitones_mean'));
  assert.ok(f.values.length > n);
  const plain = classicalFeatures(tone(200, 1.5), { ...DEFAULT_CLASSICAL_FEATURES, descriptors: false });
  assert.equal(plain.values.length, n);
});
