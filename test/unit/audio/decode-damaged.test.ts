import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { seededRng } from '../../../src/core/random.js';
import { AudioError, decodeBytes } from '../../../src/node/decode.js';

const FIXTURES = new URL('../../fixtures/audio/', import.meta.url).pathname;

/** Copies of `b` cut at a few points and with random bytes overwritten, in the header and anywhere. */
function damaged(b: Uint8Array, rnd: () => number): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  for (const frac of [0.02, 0.1, 0.6])
    out.push([`cut at ${frac}`, b.slice(0, Math.max(1, Math.floor(b.length * frac)))]);
  const header = b.slice();
  for (let j = 0; j < 12; j++) header[Math.floor(rnd() * Math.min(96, b.length))] = Math.floor(rnd() * 256);
  out.push(['header bytes overwritten', header]);
  const body = b.slice();
  for (let j = 0; j < 40; j++) body[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
  out.push(['bytes overwritten', body]);
  return out;
}

test('damaged files of every format either decode or fail with an AudioError, never anything else', async () => {
  const rnd = seededRng(2026);
  for (const name of [
    'tone440_s16_16k.wav',
    'tone440_imaadpcm_16k.wav',
    'tone440_44k.flac',
    'tone440_44k.mp3',
    'tone440_44k.ogg',
    'tone440_48k.opus',
    'tone440_48k_live.webm',
    'tone440_44k.m4a',
  ]) {
    const bytes = new Uint8Array(await readFile(FIXTURES + name));
    for (const [how, b] of damaged(bytes, rnd)) {
      try {
        const d = await decodeBytes(b, { allowSilence: true, targetSampleRate: 8000 });
        assert.ok(d.samples.every(Number.isFinite), `${name}, ${how}: non-finite samples`);
      } catch (err) {
        assert.ok(err instanceof AudioError, `${name}, ${how}: ${String(err)}`);
      }
    }
  }
});
