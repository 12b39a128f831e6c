import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  col2im,
  im2col,
  im2colTransposed,
  transpose2d,
  type ConvGeometry,
} from '../../../src/node/kernels/im2col.js';
import { conv2dInfo, geometryOf } from '../../../src/node/kernels/conv-geometry.js';
import { randomValues, relativeMaxDiff, runOn } from './compare.js';

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: [1, 1], dilations: [2, 2], pad: 'same' },
  { x: [1, 1, 30, 2], filter: [1, 5, 2, 3], strides: [1, 1], dilations: [1, 3], pad: 'valid' },
  { x: [3, 8, 8, 2], filter: [3, 3, 2, 2], strides: [2, 2], dilations: [1, 1], pad: 'same' },
  { x: [2, 6, 11, 1], filter: [3, 3, 1, 5], strides: [1, 1], dilations: [1, 1], pad: 'same' },
];

function geometry(c: Case): { g: ConvGeometry; m: number; k: number } {
  const info = conv2dInfo('test', c.x, c.filter, c);
  const g = geometryOf(info);
  return { g, m: c.x[0] * g.outHeight * g.outWidth, k: c.filter[0] * c.filter[1] * c.filter[2] };
}

for (const c of CASES) {
  const label = `x [${c.x}] filter [${c.filter}] strides [${c.strides}] dilations [${c.dilations}] ${c.pad}`;

  test(`im2col x filter equals the cpu conv2d: ${label}`, async () => {
    const x = randomValues(
      c.x.reduce((a, b) => a * b),
      1,
    );
    const w = randomValues(
      c.filter.reduce((a, b) => a * b),
      2,
    );
    const { g, m, k } = geometry(c);
    const f = c.filter[3];
    const cols = new Float32Array(m * k);
    im2col(x, g, 0, c.x[0], cols);
    const y = new Float32Array(m * f);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < f; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += cols[i * k + t] * w[t * f + j];
        y[i * f + j] = s;
      }
    const [[cpu]] = await runOn(['cpu'], () =>
      tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.filter), c.strides, c.pad, 'NHWC', c.dilations),
    );
    assert.ok(relativeMaxDiff(y, cpu) < 1e-5, `${relativeMaxDiff(y, cpu)}`);
  });

  test(`im2colTransposed (NHWC and channel-major) is the transpose of im2col: ${label}`, () => {
    const x = randomValues(
      c.x.reduce((a, b) => a * b),
      3,
    );
    const { g, m, k } = geometry(c);
    const cols = new Float32Array(m * k);
    im2col(x, g, 0, c.x[0], cols);
    const expected = new Float32Array(m * k);
    transpose2d(cols, m, k, expected);
    const colsT = new Float32Array(m * k).fill(Number.NaN);
    im2colTransposed(x, g, 0, c.x[0], colsT);
    assert.deepEqual(colsT, expected);
    const pixels = c.x[0] * c.x[1] * c.x[2];
    const xChannelMajor = new Float32Array(x.length);
    transpose2d(x, pixels, c.x[3], xChannelMajor);
    const fromChannelMajor = new Float32Array(m * k).fill(Number.NaN);
    im2colTransposed(xChannelMajor, g, 0, c.x[0], fromChannelMajor, c.x[0]);
    assert.deepEqual(fromChannelMajor, expected);
  });

  test(`col2im is the adjoint of im2col (<im2col x, Y> = <x, col2im Y>): ${label}`, () => {
    const x = randomValues(
      c.x.reduce((a, b) => a * b),
      4,
    );
    const { g, m, k } = geometry(c);
    const Y = randomValues(m * k, 5);
    const cols = new Float32Array(m * k);
    im2col(x, g, 0, c.x[0], cols);
    const back = new Float32Array(x.length);
    col2im(Y, g, 0, c.x[0], back);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < cols.length; i++) lhs += cols[i] * Y[i];
    for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
    assert.ok(Math.abs(lhs - rhs) < 1e-4 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
  });
}

test('im2col on views past 2 GB of a shared buffer (wasm heaps up to 4 GB) copies the right data', () => {
  // 16 channels: kernel rows are long enough to be copied natively (copyWithin).
  const c: Case = {
    x: [2, 5, 6, 16],
    filter: [3, 3, 16, 4],
    strides: [1, 1],
    dilations: [1, 1],
    pad: 'same',
  };
  const { g, m, k } = geometry(c);
  const xSize = c.x.reduce((a, b) => a * b);
  const base = 2 ** 31 + 4096; // byte offsets above 2^31: a signed shift would go negative
  const buffer = new ArrayBuffer(base + (xSize + m * k) * 4);
  const x = new Float32Array(buffer, base, xSize);
  x.set(randomValues(xSize, 6));
  const shared = new Float32Array(buffer, base + xSize * 4, m * k);
  im2col(x, g, 0, c.x[0], shared);
  const separate = new Float32Array(m * k);
  im2col(x.slice(), g, 0, c.x[0], separate);
  assert.deepEqual(shared, separate);
});
