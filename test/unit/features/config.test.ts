import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_FEATURE_CONFIG,
  FeatureConfigSchema,
  coefficientsPerFrame,
  extractFeatures,
  msToSamples,
  parseFeatureConfig,
  mfcc,
} from '../../../src/core/features/index.js';

test('defaults: 16 kHz, 25 ms Hann, 10 ms hop, nFft 512, 40 Slaney mels, 40 MFCC, top_db 80, centred zero padding', () => {
  assert.deepEqual(
    { ...DEFAULT_FEATURE_CONFIG },
    {
      sampleRate: 16000,
      kind: 'mfcc',
      preEmphasis: 0,
      winLength: 400,
      hopLength: 160,
      nFft: 512,
      window: 'hann',
      center: true,
      padMode: 'constant',
      power: 2,
      nMels: 40,
      fMin: 0,
      fMax: null,
      melScale: 'slaney',
      melNorm: 'slaney',
      topDb: 80,
      nMfcc: 40,
      lifter: 0,
      deltaOrder: 0,
    },
  );
});

test('a config survives a JSON round trip (it travels inside model bundles)', () => {
  const cfg = parseFeatureConfig({ kind: 'logmel', nMels: 64, deltaOrder: 1, fMax: 7600 });
  assert.deepEqual(FeatureConfigSchema.parse(JSON.parse(JSON.stringify(cfg))), cfg);
});

test('invalid configs are rejected naming the field and what is accepted', () => {
  assert.throws(() => parseFeatureConfig({ nFft: 500 }), /nFft: nFft must be a power of two/);
  assert.throws(
    () => parseFeatureConfig({ winLength: 1024 }),
    /winLength \(1024\) must not exceed nFft \(512\)/,
  );
  assert.throws(() => parseFeatureConfig({ fMax: 9000 }), /fMax .* Nyquist frequency \(8000 Hz\)/);
  assert.throws(() => parseFeatureConfig({ nMfcc: 50 }), /nMfcc \(50\) must not exceed nMels \(40\)/);
  assert.throws(() => parseFeatureConfig({ window: 'blackman' } as never), /window/);
  assert.throws(() => parseFeatureConfig({ nfft: 512 } as never), /nfft/);
  assert.throws(
    () => parseFeatureConfig({ nFft: 500 }),
    (e: Error & { code?: string }) => e.code === 'BAD_FEATURE_CONFIG',
  );
});

test('msToSamples converts at the sample rate', () => {
  assert.equal(msToSamples(25), 400);
  assert.equal(msToSamples(10, 16000), 160);
  assert.equal(msToSamples(25, 22050), 551);
  assert.throws(() => msToSamples(0), /positive/);
});

test('extractFeatures shapes follow kind and deltaOrder', () => {
  const x = Float32Array.from({ length: 8000 }, (_, i) => Math.sin(i / 10));
  const a = extractFeatures(x, parseFeatureConfig({ nMfcc: 13, deltaOrder: 2 }));
  assert.deepEqual([a.frames, a.coeffs], [51, 39]);
  const cfg = parseFeatureConfig({ kind: 'logmel', nMels: 64, deltaOrder: 1 });
  assert.equal(extractFeatures(x, cfg).coeffs, coefficientsPerFrame(cfg));
});

test('bad signals get a clear error', () => {
  assert.throws(() => mfcc(new Float32Array(0)), /empty/);
  assert.throws(() => mfcc(Float32Array.from([0, NaN, 0])), /non-finite sample \(NaN\) at index 1/);
  assert.throws(
    () => mfcc(Float32Array.from([0, 0, -Infinity])),
    /non-finite sample \(-Infinity\) at index 2/,
  );
  assert.throws(() => mfcc(new Float32Array(100), { center: false }), /shorter than one frame/);
});

test('silence gives finite features (dB floor at amin)', () => {
  const m = mfcc(new Float32Array(1600));
  assert.ok(m.data.every(Number.isFinite));
});
