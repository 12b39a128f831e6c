import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXT_STAT_NAMES,
  extendedDescriptorFunctionals,
  extraFrameDescriptors,
  regressionDelta,
  richFunctionals,
} from '../../../src/core/classical/descriptors-extended.js';
import { classicalFeatures, DEFAULT_CLASSICAL_FEATURES } from '../../../src/core/classical/featurize.js';

const SR = 16000;
const sine = (hz: number, seconds: number, amp = 0.3) =>
  Float32Array.from(
    { length: Math.round(SR * seconds) },
    (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / SR),
  );
function noise(n: number, amp = 0.1): Float32Array {
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Float32Array.from({ length: n }, () => amp * rnd());
}
const stat = (stats: number[], name: (typeof EXT_STAT_NAMES)[number]) => stats[EXT_STAT_NAMES.indexOf(name)];
const value = (r: { values: Float64Array; names: string[] }, name: string) => {
  const i = r.names.indexOf(name);
  assert.ok(i >= 0, `no feature ${name}`);
  return r.values[i];
};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

test('richFunctionals of a rising ramp: exact moments, quartiles, regression and time shares', () => {
  const ramp = Array.from({ length: 101 }, (_, i) => i);
  const s = richFunctionals(ramp);
  assert.equal(s.length, EXT_STAT_NAMES.length);
  assert.equal(stat(s, 'mean'), 50);
  assert.equal(stat(s, 'p25'), 25);
  assert.equal(stat(s, 'iqr1to3'), 50);
  assert.ok(Math.abs(stat(s, 'skewness')) < 1e-12);
  assert.ok(Math.abs(stat(s, 'kurtosis') - 1.8) < 0.01); // uniform: 9/5
  assert.ok(Math.abs(stat(s, 'linregSlope') - 100) < 1e-9); // per normalised time 0..1
  assert.ok(stat(s, 'linregErr') < 1e-9);
  assert.equal(stat(s, 'riseTime'), 1);
  assert.deepEqual(
    richFunctionals([NaN]),
    EXT_STAT_NAMES.map(() => 0),
  );
});

test('regressionDelta of a line is its slope per frame', () => {
  const d = regressionDelta(Array.from({ length: 20 }, (_, i) => 3 * i + 1));
  for (let t = 2; t < 18; t++) assert.ok(Math.abs(d[t] - 3) < 1e-12);
});

test('a 1 kHz tone: roll-off points at 1 kHz, loudest mel band around 1 kHz, low entropy; noise has high entropy', () => {
  const tone = extraFrameDescriptors(sine(1000, 0.5));
  const col = (r: typeof tone, name: string) => {
    const c = r.names.indexOf(name);
    const k = r.names.length;
    return Array.from({ length: r.frames - 10 }, (_, t) => r.data[(t + 5) * k + c]);
  };
  for (const name of ['rolloff25Hz', 'rolloff50Hz', 'rolloff75Hz'])
    assert.ok(Math.abs(median(col(tone, name)) - 1000) <= 32, `${name} ${median(col(tone, name))}`);
  const bands = tone.names.filter((n) => n.startsWith('melBand')).map((n) => median(col(tone, n)));
  const loudest = bands.indexOf(Math.max(...bands));
  // HTK mel, 26 bands over 20..8000 Hz: 1 kHz (1000 mel) lies in band 8 or 9.
  assert.ok(loudest === 8 || loudest === 9, `loudest band ${loudest}`);
  const white = extraFrameDescriptors(noise(8000));
  assert.ok(median(col(tone, 'entropy')) < 0.3);
  assert.ok(median(col(white, 'entropy')) > 0.9);
});

test('extended functionals: finite, uniquely named; pitch of a 220 Hz tone; voiced segment statistics', () => {
  const x = new Float32Array(SR * 1.5);
  x.set(sine(220, 0.5), 0);
  x.set(sine(220, 0.5), SR);
  const f = extendedDescriptorFunctionals(x);
  assert.equal(f.values.length, f.names.length);
  assert.equal(new Set(f.names).size, f.names.length);
  assert.ok(f.values.every(Number.isFinite));
  assert.ok(Math.abs(value(f, 'f0Semitones_p50') - 12 * Math.log2(220 / 27.5)) < 0.25);
  // Two voiced half-second segments with a half-second pause between them.
  assert.ok(Math.abs(value(f, 'voicedSeg_meanSec') - 0.5) < 0.05);
  assert.ok(Math.abs(value(f, 'pauseSeg_maxSec') - 0.5) < 0.05);
  assert.ok(value(f, 'voicedSeg_perSec') > 1 && value(f, 'voicedSeg_perSec') < 1.6);
});

test('classicalFeatures uses the extended set by default and the basic one when asked', () => {
  const x = sine(200, 1);
  const ext = classicalFeatures(x);
  const basic = classicalFeatures(x, { ...DEFAULT_CLASSICAL_FEATURES, extendedDescriptors: false });
  assert.ok(ext.names.includes('melBand3Db_de_kurtosis'));
  assert.ok(!basic.names.includes('melBand3Db_de_kurtosis'));
  assert.ok(ext.values.length > basic.values.length);
});
