import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aLawDecode,
  aLawEncode,
  g711RoundTrip,
  muLawDecode,
  muLawEncode,
} from '../../../src/core/channel/index.js';

test('G.711 known code values (ITU-T G.711 / G.191 reference coder)', () => {
  assert.equal(muLawEncode(0), 0xff);
  assert.equal(muLawDecode(0xff), 0);
  assert.equal(muLawDecode(0x80), 32124);
  assert.equal(muLawDecode(0x00), -32124);
  assert.equal(muLawEncode(32767), 0x80);
  assert.equal(muLawEncode(-32768), 0x00);
  assert.equal(aLawEncode(0), 0xd5);
  assert.equal(aLawDecode(0xd5), 8);
  assert.equal(aLawDecode(0x55), -8);
  assert.equal(aLawDecode(0xaa), 32256);
  assert.equal(aLawDecode(0x2a), -32256);
  assert.equal(aLawEncode(32767), 0xaa);
});

test('G.711 decoders are odd-symmetric with 255 (mu-law) and 256 (A-law) distinct levels', () => {
  for (const [dec, flip] of [
    [muLawDecode, 0x80],
    [aLawDecode, 0x80],
  ] as const) {
    const levels = new Set<number>();
    for (let c = 0; c < 256; c++) {
      levels.add(dec(c));
      if (dec === aLawDecode || (c & 0x7f) !== 0x7f) assert.equal(dec(c ^ flip), -dec(c), `code ${c}`);
    }
    // mu-law has two zeros (0x7f, 0xff); A-law none.
    assert.equal(levels.size, dec === muLawDecode ? 255 : 256);
  }
});

test('G.711 round trip: every sample decodes to one of the two levels around it, relative error < 1/16', () => {
  for (const [enc, dec] of [
    [muLawEncode, muLawDecode],
    [aLawEncode, aLawDecode],
  ] as const) {
    const levels = [...new Set(Array.from({ length: 256 }, (_, c) => dec(c)))].sort((a, b) => a - b);
    let worstRel = 0;
    let i = 0;
    for (let v = levels[0]; v <= levels[levels.length - 1]; v++) {
      while (levels[i + 1] < v) i++;
      const got = dec(enc(v));
      assert.ok(got === levels[i] || got === levels[i + 1], `v=${v} decoded ${got}`);
      // Above the linear segments the 16 levels per octave bound the relative error.
      if (Math.abs(v) >= 512) worstRel = Math.max(worstRel, Math.abs(got - v) / Math.abs(v));
    }
    assert.ok(worstRel < 1 / 16, `worst relative error ${worstRel}`);
    assert.ok(worstRel > 1 / 64, `worst relative error ${worstRel} is implausibly small for 8 bits`);
  }
});

test('g711RoundTrip of a float signal keeps an SNR of 35-40 dB (8-bit companding)', () => {
  const x = new Float32Array(8000);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 8000);
  for (const law of ['mulaw', 'alaw'] as const) {
    const y = g711RoundTrip(x, law);
    let s = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      s += x[i] * x[i];
      n += (x[i] - y[i]) ** 2;
    }
    const snr = 10 * Math.log10(s / n);
    assert.ok(snr > 33 && snr < 42, `${law} SNR ${snr.toFixed(1)} dB`);
  }
});
