import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDigitalSilence, mixToMono, padOrCrop, peak, rms } from '../../../src/core/audio/signal.js';

test('mixToMono averages channels and returns a single channel unchanged', () => {
  const a = Float32Array.from([1, 0.5, -1]);
  const b = Float32Array.from([0, 0.5, 1]);
  assert.deepEqual(Array.from(mixToMono([a, b])), [0.5, 0.5, 0]);
  assert.equal(mixToMono([a]), a);
  assert.throws(() => mixToMono([]), /no channels/);
  assert.throws(() => mixToMono([a, new Float32Array(2)]), /channel 1 has 2 samples/);
});

test('peak and rms', () => {
  const x = Float32Array.from([0.5, -1, 0.5, 0]);
  assert.equal(peak(x), 1);
  assert.equal(rms(x), Math.sqrt(1.5 / 4));
  assert.equal(peak(new Float32Array(0)), 0);
  assert.equal(rms(new Float32Array(0)), 0);
});

test('isDigitalSilence: zeros and sub-1e-7 dust are silence, one 16-bit LSB is not', () => {
  assert.equal(isDigitalSilence(new Float32Array(100)), true);
  assert.equal(isDigitalSilence(Float32Array.from([0, 5e-8, -5e-8])), true);
  assert.equal(isDigitalSilence(Float32Array.from([0, 1 / 32768, 0])), false);
});

test('padOrCrop crops, zero-pads and honours the offset', () => {
  const x = Float32Array.from([1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(padOrCrop(x, 3)), [1, 2, 3]);
  assert.deepEqual(Array.from(padOrCrop(x, 3, 1)), [2, 3, 4]);
  assert.deepEqual(Array.from(padOrCrop(x, 7)), [1, 2, 3, 4, 5, 0, 0]);
  assert.deepEqual(Array.from(padOrCrop(x, 4, 3)), [4, 5, 0, 0]);
  assert.deepEqual(Array.from(padOrCrop(x, 4, -2)), [0, 0, 1, 2]);
  assert.deepEqual(Array.from(padOrCrop(x, 2, 9)), [0, 0]);
  assert.throws(() => padOrCrop(x, -1), /non-negative integer/);
  assert.throws(() => padOrCrop(x, 2, 0.5), /offset must be an integer/);
});
