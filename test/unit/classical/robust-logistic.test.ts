import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTOUR_NAMES,
  ROBUST3_OPTIONS,
  robustContours,
  robustDescriptorFunctionals,
} from '../../../src/core/classical/descriptors-robust.js';
import {
  classicalFeatures,
  familySpec,
  ROBUST_CLASSICAL_FEATURES,
} from '../../../src/core/classical/featurize.js';
import { LogisticRegression } from '../../../src/core/classical/logistic.js';
import { ClassicalPipeline, defaultPipelineConfig } from '../../../src/core/classical/pipeline.js';
import { telephone } from '../../../src/core/channel/telephone.js';
import { concat, mix, pinkNoise, voicedSpeech } from '../../helpers/speech-like.js';

const SR = 16000;
const ROBUST2_CLASSICAL_FEATURES = familySpec('robust2');
const ROBUST3_CLASSICAL_FEATURES = familySpec('robust3');
const ROBUST4_CLASSICAL_FEATURES = familySpec('robust4');
/** A voiced, vowel-like tone: harmonics of f0 with a falling spectral envelope, amplitude-modulated syllables. */
function voice(f0: number, seconds: number, amp = 0.3): Float32Array {
  const n = Math.round(SR * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    let v = 0;
    for (let h = 1; h * f0 < 4000; h++) v += Math.sin(2 * Math.PI * h * f0 * t) / h;
    x[i] = amp * v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t));
  }
  return x;
}
const value = (r: { values: Float64Array; names: string[] }, name: string) => {
  const i = r.names.indexOf(name);
  assert.ok(i >= 0, `no feature ${name}`);
  return r.values[i];
};

test('robust descriptors: pitch of a harmonic tone, in semitones above 27.5 Hz, also through a phone line', async () => {
  for (const f0 of [110, 220]) {
    const x = voice(f0, 1.5);
    const expected = 12 * Math.log2(f0 / 27.5);
    const studio = robustDescriptorFunctionals(x);
    assert.ok(
      Math.abs(value(studio, 'f0_p50') - expected) < 0.5,
      `studio f0 ${value(studio, 'f0_p50')} vs ${expected}`,
    );
    assert.ok(value(studio, 'voicedFraction') > 0.9);
    // 110 Hz is below the telephone band: the period must still be found from the harmonics.
    const phone = robustDescriptorFunctionals(await telephone(x, SR, 'mulaw'));
    assert.ok(
      Math.abs(value(phone, 'f0_p50') - expected) < 0.5,
      `telephone f0 ${value(phone, 'f0_p50')} vs ${expected}`,
    );
  }
});

test('robust descriptors do not depend on the recording level, and are finite on silence', () => {
  const x = voice(180, 1.2);
  const quiet = x.map((v) => v * 0.05);
  const a = robustDescriptorFunctionals(x);
  const b = robustDescriptorFunctionals(quiet);
  a.values.forEach((v, i) =>
    assert.ok(Math.abs(v - b.values[i]) < 1e-3 * Math.max(1, Math.abs(v)), a.names[i]),
  );
  const silent = robustDescriptorFunctionals(new Float32Array(SR));
  assert.equal(silent.values.length, a.values.length);
  assert.ok(silent.values.every(Number.isFinite));
  // The spec selects the family by name.
  const viaSpec = classicalFeatures(x, ROBUST_CLASSICAL_FEATURES);
  assert.deepEqual(viaSpec.names, a.names);
});

test('robust descriptors of a clip do not depend on the clips described before (reused arrays)', async () => {
  // A separate instance of the module, whose reused arrays have seen nothing but this clip.
  const fresh = (await import(`../../../src/core/classical/descriptors-robust.js?fresh=${Date.now()}`)) as {
    robustDescriptorFunctionals: typeof robustDescriptorFunctionals;
  };
  assert.notEqual(fresh.robustDescriptorFunctionals, robustDescriptorFunctionals);
  const clip = voice(150, 1);
  const silence = new Float32Array(SR);
  const expected = fresh.robustDescriptorFunctionals(clip).values;
  const expectedSilence = fresh.robustDescriptorFunctionals(silence).values;
  // Longer clips first (a 25 s one is past what is kept), then silence, whose one cepstral row
  // is not computed, after a clip that filled it.
  robustDescriptorFunctionals(voice(120, 25));
  robustDescriptorFunctionals(voice(200, 4));
  assert.deepEqual(robustDescriptorFunctionals(silence).values, expectedSilence);
  assert.deepEqual(robustDescriptorFunctionals(clip).values, expected);
  robustDescriptorFunctionals(voice(200, 4));
  assert.deepEqual(robustDescriptorFunctionals(silence).values, expectedSilence);
});

test('robust contours: a row per 10 ms frame that the functionals summarise, with NaN where a frame has no value', () => {
  // 0.5 s of silence, a 1.2 s vowel at 180 Hz (harmonics shaped by resonances at 700 and
  // 1200 Hz), 0.3 s of silence.
  const vowel = new Float32Array(Math.round(1.2 * SR));
  const resonance = (f: number, at: number, width: number) => 1 / (1 + ((f - at) / width) ** 2);
  for (let i = 0; i < vowel.length; i++)
    for (let h = 1; h * 180 < 4000; h++)
      vowel[i] +=
        0.1 *
        (resonance(h * 180, 700, 80) + 0.5 * resonance(h * 180, 1200, 100)) *
        Math.sin((2 * Math.PI * h * 180 * i) / SR);
  const x = concat(new Float32Array(SR / 2), vowel, new Float32Array((3 * SR) / 10));
  const c = robustContours(x);
  const d = CONTOUR_NAMES.length;
  assert.equal(d, 25);
  assert.deepEqual(c.names, CONTOUR_NAMES);
  // Frame t is centred on t x 10 ms.
  assert.equal(c.frames, 1 + Math.floor(x.length / 160));
  assert.equal(c.data.length, c.frames * d);
  const col = (name: string) => {
    const j = CONTOUR_NAMES.indexOf(name);
    return Array.from({ length: c.frames }, (_, t) => c.data[t * d + j]);
  };
  const active = col('active');
  const voiced = col('voiced');
  const f0 = col('f0');
  // Silence is neither active nor voiced, and has no pitch, formants or cepstra.
  for (const t of [10, 30, c.frames - 5]) {
    assert.equal(active[t], 0, `frame ${t}`);
    assert.equal(voiced[t], 0);
    for (const name of ['f0', 'hnr', 'f1', 'centroid', 'mfcc3_cmn'])
      assert.ok(Number.isNaN(col(name)[t]), name);
    assert.ok(Number.isFinite(col('loud')[t]));
  }
  // The voice is voiced at its pitch, in semitones above 27.5 Hz.
  const inVoice = voiced.flatMap((v, t) => (v === 1 ? [t] : []));
  assert.ok(inVoice.length > 100, `${inVoice.length} voiced frames`);
  assert.ok(
    inVoice.every((t) => t >= 45 && t <= 175),
    'voiced frames inside the voice',
  );
  for (const t of inVoice)
    assert.ok(Math.abs(f0[t] - 12 * Math.log2(180 / 27.5)) < 0.5, `f0 ${f0[t]} at ${t}`);
  // The functionals are statistics of these very contours.
  const fn = robustDescriptorFunctionals(x, ROBUST3_OPTIONS);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const loud = col('loud');
  const act = active.flatMap((v, t) => (v === 1 ? [t] : []));
  assert.ok(Math.abs(value(fn, 'f0_mean') - mean(inVoice.map((t) => f0[t]))) < 1e-4);
  assert.ok(Math.abs(value(fn, 'loud_mean') - mean(act.map((t) => loud[t]))) < 1e-4);
  assert.ok(Math.abs(value(fn, 'voicedFraction') - inVoice.length / act.length) < 1e-9);
  const f1 = inVoice.map((t) => col('f1')[t]).filter(Number.isFinite);
  assert.ok(f1.length > 0.9 * inVoice.length);
  assert.ok(Math.abs(mean(f1) - 700) < 60, `F1 ${mean(f1)}`);
  assert.ok(Math.abs(value(fn, 'f1_mean') - mean(f1)) < 1e-2);
  // Cepstra are centred on the utterance's active frames.
  for (let k = 1; k <= 12; k++) {
    const v = col(`mfcc${k}_cmn`);
    assert.ok(Math.abs(mean(act.map((t) => v[t]))) < 1e-4, `mfcc${k}`);
  }
  // Level does not move the speech frames (silence has no level to be relative to; the slopes
  // read the near-empty bins between harmonics, which the log's floor moves by a few per cent).
  const quiet = robustContours(x.map((v) => v * 0.05));
  for (const t of act)
    for (let j = 0; j < d; j++) {
      const [v, q] = [c.data[t * d + j], quiet.data[t * d + j]];
      assert.ok(
        Number.isNaN(v) ? Number.isNaN(q) : Math.abs(v - q) < 3e-2 * Math.max(1, Math.abs(v)),
        `${CONTOUR_NAMES[j]} at frame ${t}: ${v} vs ${q}`,
      );
    }
});

test('logistic regression separates classes, gives calibrated-looking probabilities and survives JSON', () => {
  // Three Gaussian blobs in 2-D.
  let seed = 3;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const centres = [
    [0, 0],
    [3, 0],
    [0, 3],
  ];
  const rows: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 300; i++) {
    const c = i % 3;
    rows.push(centres[c][0] + rnd(), centres[c][1] + rnd());
    y.push(c);
  }
  const x = { rows: 300, cols: 2, data: Float64Array.from(rows) };
  const m = LogisticRegression.fit(x, y, 3, { C: 1 });
  const p = m.predictProba(x);
  let correct = 0;
  for (let i = 0; i < 300; i++) {
    const row = Array.from(p.subarray(i * 3, i * 3 + 3));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    if (row.indexOf(Math.max(...row)) === y[i]) correct++;
  }
  assert.ok(correct / 300 > 0.9, `accuracy ${correct / 300}`);
  // A strong penalty shrinks the weights towards uniform probabilities.
  const flat = LogisticRegression.fit(x, y, 3, { C: 1e-6 }).predictProba(x);
  assert.ok(Math.max(...flat) < 0.4);
  const back = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
  assert.deepEqual(Array.from(back.predictProba(x)), Array.from(p));
  // Sample weights: a class given no weight is never learned.
  const w = y.map((c) => (c === 2 ? 0 : 1));
  const pw = LogisticRegression.fit(x, y, 3, { C: 1, classWeight: null }, w).predictProba(x);
  assert.ok(Array.from({ length: 300 }, (_, i) => pw[i * 3 + 2]).every((v) => v < 0.5));
});

test('a logistic pipeline round-trips through JSON with the same probabilities', () => {
  const x = {
    rows: 6,
    cols: 2,
    data: Float64Array.from([0, 0, 0.1, 0.2, 0.2, 0.1, 3, 3, 3.1, 2.9, 2.8, 3.2]),
  };
  const pipe = ClassicalPipeline.fit(
    x,
    [0, 0, 0, 1, 1, 1],
    ['neutral', 'anger'],
    defaultPipelineConfig('logistic'),
  );
  const back = ClassicalPipeline.fromJSON(JSON.parse(JSON.stringify(pipe.toJSON())));
  assert.deepEqual(Array.from(back.predictProba(x)), Array.from(pipe.predictProba(x)));
  assert.deepEqual(Array.from(pipe.predict(x)), [0, 0, 0, 1, 1, 1]);
});

test('robust2: behind the noise-floor gate, background noise at 10 dB does not count as speech', () => {
  const sil = (s: number) => new Float32Array(Math.round(SR * s));
  const x = concat(sil(0.4), voicedSpeech(1.5, 150, 1), sil(0.3), voicedSpeech(1.2, 180, 2), sil(0.4));
  const rms = Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
  const noisy = mix(x, pinkNoise(x.length / SR, rms / Math.sqrt(10), 3));
  const shift = (spec: typeof ROBUST_CLASSICAL_FEATURES) =>
    Math.abs(
      value(classicalFeatures(noisy, spec), 'voicedFraction') -
        value(classicalFeatures(x, spec), 'voicedFraction'),
    );
  // robust takes the noise between the words for unvoiced speech; robust2 leaves it out.
  assert.ok(shift(ROBUST_CLASSICAL_FEATURES) > 0.2, `robust shift ${shift(ROBUST_CLASSICAL_FEATURES)}`);
  assert.ok(shift(ROBUST2_CLASSICAL_FEATURES) < 0.05, `robust2 shift ${shift(ROBUST2_CLASSICAL_FEATURES)}`);
  // robust2 is robust's descriptors followed by the voiced-frame ones, level-independent too.
  const a = classicalFeatures(x, ROBUST2_CLASSICAL_FEATURES);
  const base = classicalFeatures(x, ROBUST_CLASSICAL_FEATURES);
  assert.deepEqual(a.names.slice(0, base.names.length), base.names);
  assert.ok(a.names.includes('f0_mad') && a.names.includes('mfcc1_voiced_std'));
  const tone = voice(180, 1.2);
  const loud = classicalFeatures(tone, ROBUST2_CLASSICAL_FEATURES);
  const quiet = classicalFeatures(
    tone.map((v) => v * 0.05),
    ROBUST2_CLASSICAL_FEATURES,
  );
  loud.values.forEach((v, i) =>
    assert.ok(Math.abs(v - quiet.values[i]) < 1e-3 * Math.max(1, Math.abs(v)), loud.names[i]),
  );
  assert.ok(
    classicalFeatures(new Float32Array(SR), ROBUST2_CLASSICAL_FEATURES).values.every(Number.isFinite),
  );
});

/**
 * A vowel: a 120 Hz pulse train (plus `breath`, pink noise at that level) through resonators at
 * f1, f2 and 2600 Hz of the given bandwidths, between silences.
 */
function vowel(f1: number, f2: number, bandwidths = [80, 100, 150], breath = 0): Float32Array {
  const n = Math.round(SR * 1.5);
  let x = new Float64Array(n);
  for (let i = 0; i < n; i += Math.round(SR / 120)) x[i] = 1;
  if (breath > 0) {
    const b = pinkNoise(n / SR, breath, 3);
    for (let i = 0; i < n; i++) x[i] += b[i];
  }
  for (const [f, bw] of [
    [f1, bandwidths[0]],
    [f2, bandwidths[1]],
    [2600, bandwidths[2]],
  ]) {
    const r = Math.exp((-Math.PI * bw) / SR);
    const c = 2 * r * Math.cos((2 * Math.PI * f) / SR);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = x[i] + c * (i > 0 ? y[i - 1] : 0) - r * r * (i > 1 ? y[i - 2] : 0);
    x = y;
  }
  const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const quiet = pinkNoise(x.length / SR + 1, 1e-4, 5);
  return Float32Array.from(
    quiet,
    (v, i) => v + (i >= SR / 2 && i < SR / 2 + n ? (0.5 * x[i - SR / 2]) / peak : 0),
  );
}

test('robust3: robust2 plus the first two formants of voiced frames, found within the band and through a phone line', async () => {
  for (const [f1, f2] of [
    [700, 1200],
    [500, 1500],
    [800, 1300],
    [450, 2000],
  ]) {
    const x = vowel(f1, f2);
    const r = classicalFeatures(x, ROBUST3_CLASSICAL_FEATURES);
    const near = (got: number, want: number, tol: number, what: string) =>
      assert.ok(Math.abs(got - want) < tol * want, `${what}: ${got.toFixed(0)} Hz for ${want} Hz`);
    near(value(r, 'f1_p50'), f1, 0.1, 'studio F1');
    near(value(r, 'f2_p50'), f2, 0.05, 'studio F2');
    const phone = classicalFeatures(await telephone(x, SR, 'mulaw'), ROBUST3_CLASSICAL_FEATURES);
    near(value(phone, 'f1_p50'), f1, 0.1, 'telephone F1');
    near(value(phone, 'f2_p50'), f2, 0.05, 'telephone F2');
  }
  // robust3 is robust2's descriptors, unchanged, followed by the formants.
  const x = voice(150, 1.2);
  const a = classicalFeatures(x, ROBUST3_CLASSICAL_FEATURES);
  const b = classicalFeatures(x, ROBUST2_CLASSICAL_FEATURES);
  assert.deepEqual(Array.from(a.values.subarray(0, b.values.length)), Array.from(b.values));
  assert.deepEqual(a.names.slice(b.names.length), [
    'f1_mean',
    'f1_std',
    'f1_p50',
    'f2_mean',
    'f2_std',
    'f2_p50',
  ]);
  assert.ok(
    classicalFeatures(new Float32Array(SR), ROBUST3_CLASSICAL_FEATURES).values.every(Number.isFinite),
  );
});

test('robust4: robust3 plus F3, formant bandwidths and cepstral peak prominence, which a phone line leaves in place', async () => {
  const x = voice(150, 1.2);
  const a = classicalFeatures(x, ROBUST4_CLASSICAL_FEATURES);
  const b = classicalFeatures(x, ROBUST3_CLASSICAL_FEATURES);
  assert.deepEqual(Array.from(a.values.subarray(0, b.values.length)), Array.from(b.values));
  assert.deepEqual(a.names.slice(b.names.length), [
    'f3_mean',
    'f3_p50',
    'b1_mean',
    'b1_p50',
    'b2_mean',
    'b2_p50',
    'cpp_mean',
    'cpp_std',
    'cpp_p20',
    'cpp_p50',
    'cpp_p80',
  ]);
  // Bandwidths follow the resonators' (narrow, medium, wide), in the studio and on the phone.
  const widths = [
    [60, 80, 150],
    [150, 200, 300],
    [300, 400, 400],
  ];
  for (const channel of ['studio', 'telephone']) {
    const got = [];
    for (const bw of widths) {
      const v = vowel(600, 1400, bw);
      const r = classicalFeatures(
        channel === 'studio' ? v : await telephone(v, SR, 'mulaw'),
        ROBUST4_CLASSICAL_FEATURES,
      );
      assert.ok(Math.abs(value(r, 'f3_p50') - 2600) < 0.05 * 2600, `${channel} F3 ${value(r, 'f3_p50')}`);
      got.push([value(r, 'b1_p50'), value(r, 'b2_p50')]);
    }
    for (let i = 1; i < got.length; i++) {
      assert.ok(got[i][0] > 1.5 * got[i - 1][0], `${channel} B1 ${got.map((g) => g[0].toFixed(0))}`);
      assert.ok(got[i][1] > 1.5 * got[i - 1][1], `${channel} B2 ${got.map((g) => g[1].toFixed(0))}`);
    }
    // The widest pair: within a factor of 1.5 of the set bandwidths.
    assert.ok(got[2][0] > 200 && got[2][0] < 450, `${channel} B1 ${got[2][0]}`);
  }
  // Breath noise lowers the cepstral peak prominence.
  const cpp = [0, 0.02, 0.1].map((br) =>
    value(classicalFeatures(vowel(600, 1400, undefined, br), ROBUST4_CLASSICAL_FEATURES), 'cpp_p50'),
  );
  assert.ok(cpp[0] > cpp[1] + 0.5 && cpp[1] > cpp[2] + 1, `CPP ${cpp.map((c) => c.toFixed(1))}`);
  assert.ok(
    classicalFeatures(new Float32Array(SR), ROBUST4_CLASSICAL_FEATURES).values.every(Number.isFinite),
  );
});
