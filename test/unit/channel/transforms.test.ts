import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfft } from '../../../src/core/features/fft.js';
import { seededRng } from '../../../src/core/random.js';
import {
  activePower,
  applyChannel,
  applyRir,
  exponentialRir,
  fftConvolve,
  measureRt60,
  mixAtSnr,
  noiseSegment,
  parseChannel,
  telephone,
} from '../../../src/core/channel/index.js';

const SR = 16000;

function whiteNoise(n: number, seed: number, amp = 0.1): Float32Array {
  const rng = seededRng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * (2 * rng() - 1);
  return x;
}

/** Power per band of the averaged periodogram (1024-point frames, Hann). */
function bandPower(x: Float32Array, sr: number, lo: number, hi: number): number {
  const n = 1024;
  let total = 0;
  for (let s = 0; s + n <= x.length; s += n / 2) {
    const f = new Float64Array(n);
    for (let i = 0; i < n; i++) f[i] = x[s + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    const X = rfft(f);
    for (let k = 0; k <= n / 2; k++) {
      const hz = (k * sr) / n;
      if (hz >= lo && hz < hi) total += X.re[k] ** 2 + X.im[k] ** 2;
    }
  }
  return total;
}

const db = (a: number, b: number) => 10 * Math.log10(a / b);

test('telephone: > 40 dB down above 3.7 kHz (cutoff 3.4 kHz, -3 dB), > 20 dB below 150 Hz, same length', async () => {
  const x = whiteNoise(SR * 2, 1, 0.3);
  for (const law of ['mulaw', 'alaw'] as const) {
    const y = await telephone(x, SR, law);
    assert.equal(y.length, x.length);
    const pass = bandPower(y, SR, 500, 3000) / 2500;
    // Per-Hz power density relative to the pass band.
    const above = bandPower(y, SR, 3700, 8000) / 4300;
    const wayAbove = bandPower(y, SR, 4200, 8000) / 3800;
    const below = bandPower(y, SR, 0, 150) / 150;
    assert.ok(db(above, pass) < -40, `${law} above 3.7 kHz: ${db(above, pass).toFixed(1)} dB`);
    assert.ok(db(wayAbove, pass) < -60, `${law} above 4.2 kHz: ${db(wayAbove, pass).toFixed(1)} dB`);
    assert.ok(db(below, pass) < -20, `${law} below 150 Hz: ${db(below, pass).toFixed(1)} dB`);
    // Pass band survives: the 500-3000 Hz density is within 3 dB of the input's.
    const inPass = bandPower(x, SR, 500, 3000) / 2500;
    assert.ok(Math.abs(db(pass, inPass)) < 3, `pass band changed by ${db(pass, inPass).toFixed(1)} dB`);
  }
});

test('telephone: a tone above the band is removed (> 40 dB down), one inside kept', async () => {
  const tone = (hz: number) =>
    Float32Array.from({ length: SR }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / SR));
  const p = (y: Float32Array) => y.slice(2000, 14000).reduce((a, v) => a + v * v, 0);
  const ref = p(tone(1000));
  assert.ok(Math.abs(db(p(await telephone(tone(1000), SR)), ref)) < 1);
  assert.ok(db(p(await telephone(tone(3800), SR)), ref) < -40);
  assert.ok(db(p(await telephone(tone(6000), SR)), ref) < -60);
  assert.ok(db(p(await telephone(tone(100), SR)), ref) < -15);
});

test('fftConvolve equals direct convolution', () => {
  const rng = seededRng(3);
  const x = Float32Array.from({ length: 300 }, () => rng() - 0.5);
  const h = Float32Array.from({ length: 77 }, () => rng() - 0.5);
  const y = fftConvolve(x, h);
  assert.equal(y.length, 376);
  for (let n = 0; n < y.length; n++) {
    let s = 0;
    for (let k = 0; k < h.length; k++) if (n - k >= 0 && n - k < x.length) s += h[k] * x[n - k];
    assert.ok(Math.abs(y[n] - s) < 1e-5, `n=${n}: ${y[n]} vs ${s}`);
  }
});

test('reverb: RT60 measured from the RIR by Schroeder integration is within 15 % of the target', () => {
  for (const rt60 of [0.2, 0.4, 0.6, 1.0]) {
    const h = exponentialRir({ rt60, sampleRate: SR }, seededRng(7));
    const got = measureRt60(h, SR);
    assert.ok(Math.abs(got - rt60) / rt60 < 0.15, `RT60 ${rt60}: measured ${got.toFixed(3)}`);
  }
});

test('reverb keeps length and level, and smears an impulse over the decay', () => {
  const x = new Float32Array(SR);
  x[100] = 1;
  const y = applyRir(x, exponentialRir({ rt60: 0.5, sampleRate: SR }, seededRng(1)));
  assert.equal(y.length, x.length);
  const r = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  assert.ok(Math.abs(r(y) / r(x) - 1) < 1e-3);
  // Energy 0.2 s after the impulse is still present (tail), unlike the dry signal.
  assert.ok(y.slice(100 + 0.2 * SR, 100 + 0.25 * SR).some((v) => Math.abs(v) > 1e-4));
});

test('mixAtSnr reaches the target SNR (active speech frames vs the added noise) within 0.5 dB', () => {
  // A "speech" signal with pauses: tone bursts separated by silence.
  const x = new Float32Array(SR * 3);
  for (let i = 0; i < x.length; i++)
    if (Math.floor(i / 4000) % 2 === 0) x[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / SR);
  const noise = noiseSegment(whiteNoise(SR, 9, 0.05), x.length, seededRng(2));
  for (const snr of [20, 10, 5, 0, -5]) {
    const y = mixAtSnr(x, noise, snr, SR);
    const added = y.map((v, i) => v - x[i]);
    const pn = added.reduce((a, v) => a + v * v, 0) / added.length;
    // Speech power on the bursts only (the active frames).
    let ps = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      if (Math.floor(i / 4000) % 2 === 0) {
        ps += x[i] * x[i];
        n++;
      }
    }
    const got = db(ps / n, pn);
    assert.ok(Math.abs(got - snr) < 0.5, `target ${snr} dB, got ${got.toFixed(2)}`);
    assert.ok(Math.abs(db(activePower(x, SR), ps / n)) < 0.2);
  }
});

test('a chain is deterministic for a fixed seed and differs for another', async () => {
  const x = whiteNoise(SR, 4, 0.2);
  const resources = { noise: [whiteNoise(SR * 2, 5, 0.1)] };
  const chain = parseChannel('reverb+noise-5db+gain');
  const a = await applyChannel(chain, x, SR, { seed: 42, resources });
  const b = await applyChannel(chain, x, SR, { seed: 42, resources });
  const c = await applyChannel(chain, x, SR, { seed: 43, resources });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(x[0], whiteNoise(SR, 4, 0.2)[0], 'input untouched');
});

test('gain: +-N dB scales the level and hard-clips to [-1, 1]', async () => {
  const x = Float32Array.from({ length: 1000 }, (_, i) => 0.2 * Math.sin(i / 10));
  const down = await applyChannel(parseChannel('gain-20db'), x, SR, { seed: 1 });
  assert.ok(Math.abs(down[15] / x[15] - 0.1) < 1e-6);
  const up = await applyChannel(parseChannel('gain+20db'), x, SR, { seed: 1 });
  assert.equal(Math.max(...up), 1);
  assert.equal(Math.min(...up), -1);
});

/** Frequency of the strongest bin of one 16384-point periodogram (about 1 Hz bins). */
function peakHz(x: Float32Array, sr: number): number {
  const n = 16384;
  const f = new Float64Array(n);
  for (let i = 0; i < Math.min(n, x.length); i++) f[i] = x[i];
  const X = rfft(f);
  let best = 1;
  for (let k = 1; k <= n / 2; k++)
    if (X.re[k] ** 2 + X.im[k] ** 2 > X.re[best] ** 2 + X.im[best] ** 2) best = k;
  return (best * sr) / n;
}

test('speed-F: the clip lasts 1/F as long and its frequencies move by F; speed draws 0.9-1.1', async () => {
  const tone = Float32Array.from({ length: SR }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 500 * i) / SR));
  for (const f of [0.9, 1.1]) {
    const y = await applyChannel(parseChannel(`speed-${f}`), tone, SR, { seed: 1 });
    assert.equal(y.length, Math.round(SR / f));
    assert.ok(Math.abs(peakHz(y, SR) - 500 * f) <= 2, `speed-${f}: peak ${peakHz(y, SR)} Hz`);
  }
  assert.deepEqual(await applyChannel(parseChannel('speed-1'), tone, SR, { seed: 1 }), tone);
  const lengths = await Promise.all(
    [1, 2, 3, 4, 5, 6].map(
      async (seed) => (await applyChannel(parseChannel('speed'), tone, SR, { seed })).length,
    ),
  );
  for (const n of lengths) assert.ok(n >= SR / 1.1 - 1 && n <= SR / 0.9 + 1, `length ${n}`);
  assert.ok(new Set(lengths).size > 1, 'the factor is drawn per seed');
  assert.throws(() => parseChannel('speed-3'), /speed factor must be in \[0.5, 2\], got 3/);
});

test('pitch+S: the pitch moves by S semitones, the length and tempo stay; pitch draws +-2; bad shifts refused', async () => {
  // A 220 Hz tone switched on at 0.25 s and off at 0.75 s: its onset and offset must stay put.
  const x = Float32Array.from({ length: SR }, (_, i) =>
    i >= SR / 4 && i < (3 * SR) / 4 ? 0.5 * Math.sin((2 * Math.PI * 220 * i) / SR) : 0,
  );
  const edges = (y: Float32Array) => {
    const on = y.findIndex((v) => Math.abs(v) > 0.1);
    let off = y.length - 1;
    while (off > 0 && Math.abs(y[off]) < 0.1) off--;
    return [on, off];
  };
  for (const s of [-2, 3]) {
    const y = await applyChannel(parseChannel(`pitch${s > 0 ? '+' : ''}${s}st`), x, SR, { seed: 1 });
    assert.equal(y.length, x.length);
    const want = 220 * 2 ** (s / 12);
    assert.ok(Math.abs(peakHz(y, SR) - want) <= 3, `pitch ${s}: peak ${peakHz(y, SR)} Hz, want ${want}`);
    const [on, off] = edges(y);
    // Within 20 ms of the original edges (a speed change to this pitch would move the offset by 60-120 ms).
    assert.ok(
      Math.abs(on - SR / 4) < 0.02 * SR && Math.abs(off - (3 * SR) / 4) < 0.02 * SR,
      `edges ${on} ${off}`,
    );
  }
  assert.deepEqual(await applyChannel(parseChannel('pitch+0st'), x, SR, { seed: 1 }), x);
  const peaks = await Promise.all(
    [1, 2, 3, 4, 5].map(async (seed) =>
      peakHz(await applyChannel(parseChannel('pitch'), x, SR, { seed }), SR),
    ),
  );
  for (const p of peaks)
    assert.ok(p >= 220 * 2 ** (-2 / 12) - 3 && p <= 220 * 2 ** (2 / 12) + 3, `peak ${p}`);
  assert.ok(new Set(peaks.map(Math.round)).size > 1, 'the shift is drawn per seed');
  assert.equal(parseChannel('telephone+pitch-1.5st+gain+3db').steps.length, 3);
  assert.throws(() => parseChannel('pitch+13st'), /pitch shift must be within \+-12 semitones, got 13/);
  assert.throws(() => parseChannel('pitch-2'), /unknown channel step 'pitch-2' \(accepted: .*pitch\+<S>st/);
});
