import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample } from '../../../src/core/audio/resample.js';
import { sine, snrDb, toneAmplitude } from './tone-helpers.js';

test('equal rates return the input itself', async () => {
  const x = sine(1000, 440, 16000);
  assert.equal(await resample(x, 16000, 16000), x);
});

test('output length is round(n * to / from)', async () => {
  for (const [n, from, to] of [
    [44100, 44100, 16000],
    [1000, 48000, 16000],
    [333, 8000, 16000],
    [7, 22050, 16000],
  ]) {
    const y = await resample(sine(n, 100, from), from, to);
    assert.equal(y.length, Math.round((n * to) / from), `${n} samples ${from} -> ${to}`);
  }
  assert.equal((await resample(new Float32Array(0), 44100, 16000)).length, 0);
});

test('1 kHz sine 44.1 kHz -> 16 kHz: SNR > 60 dB against the ideal (time-aligned) sine, edges included', async () => {
  const y = await resample(sine(44100, 1000, 44100), 44100, 16000);
  const snr = snrDb(y, 1000, 16000);
  assert.ok(snr > 60, `SNR ${snr.toFixed(1)} dB`);
  const inner = snrDb(y, 1000, 16000, 0.5, 200, y.length - 200);
  assert.ok(inner > 100, `SNR away from the edges ${inner.toFixed(1)} dB`);
});

test('long input (several internal chunks) stays continuous: 3 s 44.1 kHz -> 16 kHz', async () => {
  const y = await resample(sine(3 * 44100, 1000, 44100), 44100, 16000);
  assert.equal(y.length, 48000);
  const inner = snrDb(y, 1000, 16000, 0.5, 200, y.length - 200);
  assert.ok(inner > 100, `SNR ${inner.toFixed(1)} dB`);
});

test('no aliasing from 48 kHz to 16 kHz: 7.9 kHz and 9 kHz tones leave nothing at other frequencies', async () => {
  const inputPower = 0.5 ** 2 / 2;
  // 7.9 kHz lies in the anti-aliasing filter's transition band: it may be attenuated, but
  // whatever remains must be 7.9 kHz itself, with nothing folded elsewhere.
  const y79 = await resample(sine(48000, 7900, 48000), 48000, 16000);
  const other = residualPowerAfterTone(y79, 7900, 16000);
  assert.ok(
    other < inputPower * 1e-7,
    `non-7.9 kHz power ${(10 * Math.log10(other / inputPower)).toFixed(1)} dB`,
  );
  // 9 kHz is above the new Nyquist frequency; unfiltered it would fold to 7 kHz.
  const y9 = await resample(sine(48000, 9000, 48000), 48000, 16000);
  const folded = toneAmplitude(y9, 7000, 16000);
  assert.ok(folded < 0.5 * 1e-4, `9 kHz folded to 7 kHz at amplitude ${folded} (above -80 dB)`);
});

/** Mean power left in y (edges excluded) after removing its best-fit sinusoid at `hz`. */
function residualPowerAfterTone(y: Float32Array, hz: number, sampleRate: number): number {
  const w = (2 * Math.PI * hz) / sampleRate;
  let s = 0;
  let c = 0;
  for (let i = 0; i < y.length; i++) {
    s += y[i] * Math.sin(w * i);
    c += y[i] * Math.cos(w * i);
  }
  s *= 2 / y.length;
  c *= 2 / y.length;
  let residual = 0;
  for (let i = 200; i < y.length - 200; i++)
    residual += (y[i] - s * Math.sin(w * i) - c * Math.cos(w * i)) ** 2;
  return residual / (y.length - 400);
}

test('bad rates are refused with the accepted range', async () => {
  await assert.rejects(
    resample(new Float32Array(10), 0, 16000),
    /fromHz must be a sample rate between 1 and 192000 Hz, got 0/,
  );
  await assert.rejects(resample(new Float32Array(10), 16000, NaN), /toHz/);
});
