/** Properties of each pipeline step that a user relies on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dctMatrix,
  dctRows,
  deltas,
  frameCount,
  frameSignal,
  hzToMel,
  lifterWeights,
  makeWindow,
  melFilterbank,
  melToHz,
  padSignal,
  powerSpectrogram,
  powerSpectrumInto,
  powerToDb,
  realFftPlan,
  preEmphasis,
  evenRealFftInto,
  rfft,
  DEFAULT_FEATURE_CONFIG,
} from '../../../src/core/features/index.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('Hann and Hamming windows are periodic (torch / librosa), Povey is Kaldi symmetric Hann^0.85', () => {
  const hann = makeWindow('hann', 8);
  assert.deepEqual(
    Array.from(hann).map((v) => +v.toFixed(12)),
    [0, 0.146446609407, 0.5, 0.853553390593, 1, 0.853553390593, 0.5, 0.146446609407],
  );
  const hamming = makeWindow('hamming', 400);
  close(hamming[0], 0.08);
  close(hamming[200], 1);
  const povey = makeWindow('povey', 400);
  close(povey[0], 0);
  close(povey[399], 0);
  close(povey[100], Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * 100) / 399), 0.85));
  for (let n = 0; n < 400; n++) close(povey[n], povey[399 - n]);
});

test('DCT-II matrix is orthonormal (rows unit length and mutually orthogonal)', () => {
  const n = 40;
  const d = dctMatrix(n, n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += d[a * n + i] * d[b * n + i];
      close(dot, a === b ? 1 : 0, 1e-12);
    }
  }
  assert.throws(() => dctMatrix(41, 40), /between 1 and the input size/);
});

test('frame counts: centred 1 + floor(n / hop), otherwise 1 + floor((n - frame) / hop) or 0', () => {
  assert.equal(frameCount(16000, 512, 160, true), 101);
  assert.equal(frameCount(16000, 512, 160, false), 97);
  assert.equal(frameCount(511, 512, 160, false), 0);
  assert.equal(frameCount(100, 512, 160, true), 1);
  const f = frameSignal(Float64Array.from([0, 1, 2, 3, 4, 5, 6]), 3, 2);
  assert.equal(f.frames, 3);
  assert.deepEqual(Array.from(f.data), [0, 1, 2, 2, 3, 4, 4, 5, 6]);
  const x = new Float32Array(16000).fill(0.1);
  assert.equal(powerSpectrogram(x, { ...DEFAULT_FEATURE_CONFIG }).frames, 101);
  assert.equal(powerSpectrogram(x, { ...DEFAULT_FEATURE_CONFIG, center: false }).frames, 97);
});

test('padding: constant pads zeros, reflect mirrors without repeating the edge', () => {
  assert.deepEqual(Array.from(padSignal([1, 2, 3], 2, 'constant')), [0, 0, 1, 2, 3, 0, 0]);
  assert.deepEqual(Array.from(padSignal([1, 2, 3], 2, 'reflect')), [3, 2, 1, 2, 3, 2, 1]);
  assert.deepEqual(Array.from(padSignal([1, 2, 3], 4, 'reflect')), [1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3]);
  const reused = new Float64Array(10).fill(9);
  assert.deepEqual(Array.from(padSignal([1, 2], 2, 'constant', reused)), [0, 0, 1, 2, 0, 0]);
});

test('real FFT equals the direct DFT', () => {
  for (const n of [4, 8, 32, 256, 1024]) {
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
    const X = rfft(x);
    for (let k = 0; k <= n / 2; k++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < n; t++) {
        re += x[t] * Math.cos((2 * Math.PI * k * t) / n);
        im -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
      }
      close(X.re[k], re, 1e-9 * n);
      close(X.im[k], im, 1e-9 * n);
    }
  }
  assert.throws(() => rfft(new Float64Array(500)), /power of two/);
});

test('power spectrum (power 2 and 1) equals |rfft|^power, windowed at an offset', () => {
  for (const n of [4, 8, 16, 128, 512]) {
    const x = Array.from({ length: n + 7 }, (_, i) => Math.cos(i * 1.3) + (i % 5) / 5);
    const w = makeWindow('hann', n);
    const X = rfft(x.slice(7).map((v, i) => v * w[i]));
    for (const power of [2, 1]) {
      const out = new Float64Array(n / 2 + 3);
      powerSpectrumInto(realFftPlan(n), x, out, power, 7, 2, w);
      for (let k = 0; k <= n / 2; k++) {
        close(out[k + 2], Math.pow(X.re[k] ** 2 + X.im[k] ** 2, power / 2), 1e-9 * n);
      }
    }
  }
});

test('a sine puts its power in the right FFT bin', () => {
  const x = Float64Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / 16000));
  const s = powerSpectrogram(x, { ...DEFAULT_FEATURE_CONFIG, center: false });
  const row = s.data.subarray(5 * s.bins, 6 * s.bins);
  const peak = row.indexOf(Math.max(...row));
  assert.equal(peak, 32); // 1000 Hz / (16000 / 512) Hz per bin
});

test('mel scales round-trip and match their published anchors', () => {
  close(hzToMel(1000, 'slaney'), 15);
  close(hzToMel(1000, 'htk'), 999.9855, 1e-4);
  for (const scale of ['slaney', 'htk'] as const) {
    for (const hz of [0, 300, 999, 1000, 4321, 8000]) close(melToHz(hzToMel(hz, scale), scale), hz, 1e-9);
  }
});

test('Slaney-normalised filters have constant area; unnormalised filters peak at most 1', () => {
  const base = { ...DEFAULT_FEATURE_CONFIG, nFft: 4096, nMels: 20 };
  const fb = melFilterbank(base);
  const binHz = 8000 / (fb.bins - 1);
  for (let b = 0; b < fb.nMels; b++) {
    let area = 0;
    for (let k = 0; k < fb.bins; k++) area += fb.dense[b * fb.bins + k] * binHz;
    close(area, 1, 0.02); // triangle of height 2 / width and the given width
  }
  const raw = melFilterbank({ ...base, melNorm: null, melScale: 'htk' });
  assert.ok(Math.max(...raw.dense) <= 1 && Math.max(...raw.dense) > 0.9);
});

test('power to dB: 10 log10, floor amin, clamp to max - topDb', () => {
  const db = powerToDb([1, 0.1, 1e-12, 0], null);
  assert.deepEqual(
    Array.from(db).map((v) => Math.round(v * 1e9) / 1e9),
    [0, -10, -100, -100],
  );
  const clamped = powerToDb([100, 1, 1e-6, 1e-9], 80);
  assert.deepEqual(
    Array.from(clamped).map((v) => Math.round(v * 1e9) / 1e9),
    [20, 0, -60, -60],
  );
});

test('delta of a linear ramp is its slope away from the edges (width 9)', () => {
  const frames = 30;
  const data = Float32Array.from({ length: frames * 2 }, (_, i) =>
    i % 2 === 0 ? 3 * (i >> 1) : -0.5 * (i >> 1),
  );
  const d = deltas({ data, frames, coeffs: 2 });
  for (let t = 4; t < frames - 4; t++) {
    close(d.data[2 * t], 3, 1e-5);
    close(d.data[2 * t + 1], -0.5, 1e-5);
  }
  assert.ok(d.data[0] < 3); // edges repeat the first frame, so the slope estimate shrinks
  const dd = deltas(d);
  close(dd.data[2 * 15], 0, 1e-5);
  assert.throws(() => deltas({ data, frames, coeffs: 2 }, 4), /odd integer/);
});

test('dctRows equals the DCT matrix product for even and odd sizes', () => {
  for (const [nIn, nOut] of [
    [40, 40],
    [13, 7],
    [26, 13],
  ]) {
    const x = Float64Array.from({ length: 3 * nIn }, (_, i) => Math.sin(i * 0.7) * 10);
    const y = dctRows(x, 3, nIn, nOut);
    const d = dctMatrix(nOut, nIn);
    for (let t = 0; t < 3; t++) {
      for (let k = 0; k < nOut; k++) {
        let acc = 0;
        for (let n = 0; n < nIn; n++) acc += x[t * nIn + n] * d[k * nIn + n];
        close(y[t * nOut + k], acc, 1e-9);
      }
    }
  }
});

test('pre-emphasis and liftering follow torchaudio / Kaldi', () => {
  assert.deepEqual(Array.from(preEmphasis(Float32Array.from([1, 1, 2]), 0.5)), [1, 0.5, 1.5]);
  const w = lifterWeights(4, 22);
  close(w[0], 1);
  close(w[1], 1 + 11 * Math.sin(Math.PI / 22));
  assert.deepEqual(Array.from(lifterWeights(3, 0)), [1, 1, 1]);
});

test('evenRealFftInto equals the real FFT of the even extension (a DCT-I) through one half-length FFT', () => {
  for (const N of [4, 8, 64, 512]) {
    const f = Float64Array.from({ length: N + 1 }, (_, i) => Math.exp(-i / 7) * (1.5 + Math.sin(3 * i)));
    const even = new Float64Array(2 * N);
    for (let k = 0; k <= N; k++) even[k] = f[k];
    for (let k = N + 1; k < 2 * N; k++) even[k] = f[2 * N - k];
    const ref = rfft(even).re;
    const out = new Float64Array(N + 1);
    evenRealFftInto(f, out, N + 1);
    for (let k = 0; k <= N; k++)
      assert.ok(Math.abs(out[k] - ref[k]) <= 1e-12 * Math.abs(ref[0]), `N ${N} bin ${k}`);
    const head = new Float64Array(3);
    evenRealFftInto(f, head, 3);
    assert.deepEqual(Array.from(head), Array.from(out.subarray(0, 3)));
  }
});
