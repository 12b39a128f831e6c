import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { decodeBytes, decodeFile } from '../../../src/node/decode.js';
import { dominantFrequency, toneAmplitude } from './tone-helpers.js';

const FIXTURES = new URL('../../fixtures/audio/', import.meta.url).pathname;

// name, source facts, allowed duration error (one codec frame), amplitude tolerance of the codec
const TONES: [
  string,
  { sampleRate: number; channels: number; codec: string; container: string },
  number,
  number,
][] = [
  ['tone440_s16_16k.wav', { sampleRate: 16000, channels: 1, codec: 'pcm_s16le', container: 'wav' }, 0, 0.001],
  ['tone440_u8_8k.wav', { sampleRate: 8000, channels: 1, codec: 'pcm_u8', container: 'wav' }, 0, 0.02],
  ['tone440_s24_22k.wav', { sampleRate: 22050, channels: 1, codec: 'pcm_s24le', container: 'wav' }, 0, 0.001],
  ['tone440_s32_48k.wav', { sampleRate: 48000, channels: 1, codec: 'pcm_s32le', container: 'wav' }, 0, 0.001],
  ['tone440_f32_44k.wav', { sampleRate: 44100, channels: 1, codec: 'pcm_f32le', container: 'wav' }, 0, 0.001],
  ['tone440_ulaw_8k.wav', { sampleRate: 8000, channels: 1, codec: 'pcm_mulaw', container: 'wav' }, 0, 0.02],
  [
    'tone440_imaadpcm_16k.wav',
    { sampleRate: 16000, channels: 1, codec: 'adpcm_ima_wav', container: 'wav' },
    505 / 16000,
    0.03,
  ],
  ['tone440_6ch_8k.wav', { sampleRate: 8000, channels: 6, codec: 'pcm_s16le', container: 'wav' }, 0, 0.001],
  [
    'tone440_44k.flac',
    { sampleRate: 44100, channels: 1, codec: 'flac', container: 'flac' },
    4608 / 44100,
    0.001,
  ],
  ['tone440_44k.mp3', { sampleRate: 44100, channels: 1, codec: 'mp3', container: 'mp3' }, 1152 / 44100, 0.05],
  [
    'tone440_44k.ogg',
    { sampleRate: 44100, channels: 1, codec: 'vorbis', container: 'ogg' },
    1024 / 44100,
    0.05,
  ],
  [
    'tone440_48k.opus',
    { sampleRate: 48000, channels: 1, codec: 'opus', container: 'ogg' },
    960 / 48000,
    0.05,
  ],
  [
    'tone440_48k.webm',
    { sampleRate: 48000, channels: 1, codec: 'opus', container: 'webm' },
    960 / 48000,
    0.05,
  ],
  [
    'tone440_48k_live.webm',
    { sampleRate: 48000, channels: 1, codec: 'opus', container: 'webm' },
    960 / 48000,
    0.05,
  ],
  ['tone440_44k.m4a', { sampleRate: 44100, channels: 1, codec: 'aac', container: 'mp4' }, 1024 / 44100, 0.05],
  [
    'tone440_44k_frag.mp4',
    { sampleRate: 44100, channels: 1, codec: 'aac', container: 'mp4' },
    1024 / 44100,
    0.05,
  ],
];

for (const [name, source, durationTolSec, ampTol] of TONES) {
  test(`${name}: 0.5 s of 440 Hz at amplitude 0.5, as 16 kHz mono`, async () => {
    const d = await decodeFile(FIXTURES + name);
    assert.equal(d.sampleRate, 16000);
    assert.ok(d.samples instanceof Float32Array);
    assert.deepEqual({ ...d.source, durationSec: undefined }, { ...source, durationSec: undefined });
    assert.ok(
      Math.abs(d.source.durationSec - 0.5) <= durationTolSec + 1e-9,
      `source duration ${d.source.durationSec} s, expected 0.5 s ± ${durationTolSec}`,
    );
    assert.equal(d.samples.length, Math.round(d.source.durationSec * 16000));
    const f = dominantFrequency(d.samples, 16000);
    assert.ok(Math.abs(f - 440) <= 4, `dominant frequency ${f} Hz`);
    // Measure the amplitude away from codec start-up and fade regions.
    const middle = d.samples.subarray(1600, 6400);
    const a = toneAmplitude(middle, 440, 16000);
    assert.ok(Math.abs(a - 0.5) <= ampTol + 0.5 * 0.01, `amplitude ${a}`);
  });
}

test('a 16 kHz mono WAV passes through bit-exact (no resampling, no mixing)', async () => {
  const bytes = await readFile(FIXTURES + 'tone440_s16_16k.wav');
  const d = await decodeBytes(bytes);
  const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset + 44, bytes.byteOffset + bytes.length));
  assert.equal(d.samples.length, pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i];
    // code / 32768 for every code, as torchaudio and libsndfile read it (see pcm-scale.test.ts).
    const expected = Math.fround(v / 32768);
    if (d.samples[i] !== expected) assert.fail(`sample ${i}: ${d.samples[i]} !== ${expected} (int16 ${v})`);
  }
});

test('stereo is averaged to mono: left 440 Hz and right 1000 Hz both at half amplitude', async () => {
  const d = await decodeFile(FIXTURES + 'stereo_440L_1000R_16k.wav');
  assert.equal(d.source.channels, 2);
  const middle = d.samples.subarray(800, 7200);
  assert.ok(Math.abs(toneAmplitude(middle, 440, 16000) - 0.25) < 0.005);
  assert.ok(Math.abs(toneAmplitude(middle, 1000, 16000) - 0.25) < 0.005);
});

test('speech recorded like a browser (live WebM/Opus) decodes with its full length', async () => {
  const d = await decodeFile(FIXTURES + 'speech_hello_live.webm');
  assert.equal(d.source.container, 'webm');
  assert.equal(d.source.codec, 'opus');
  assert.ok(d.source.durationSec > 0.8 && d.source.durationSec < 1.5, `duration ${d.source.durationSec}`);
  assert.ok(Math.max(...d.samples.map(Math.abs)) > 0.1);
});

test('decodeBytes gives the same result as decodeFile, for Buffers and plain Uint8Arrays at odd offsets', async () => {
  for (const name of ['tone440_f32_44k.wav', 'tone440_48k_live.webm']) {
    const fromFile = await decodeFile(FIXTURES + name);
    const buf = await readFile(FIXTURES + name);
    const fromBuffer = await decodeBytes(buf);
    const shifted = new Uint8Array(buf.length + 1);
    shifted.set(buf, 1);
    const fromOddOffset = await decodeBytes(shifted.subarray(1));
    assert.deepEqual(fromBuffer, fromFile, name);
    assert.deepEqual(fromOddOffset, fromFile, name);
  }
});

test('targetSampleRate chooses the output rate; the source facts stay those of the file', async () => {
  const d = await decodeFile(FIXTURES + 'tone440_44k.flac', { targetSampleRate: 8000 });
  assert.equal(d.sampleRate, 8000);
  assert.equal(d.samples.length, 4000);
  assert.equal(d.source.sampleRate, 44100);
  await assert.rejects(
    decodeFile(FIXTURES + 'tone440_44k.flac', { targetSampleRate: 0 }),
    /targetSampleRate must be an integer/,
  );
});

test('a WAV written to a pipe (placeholder sizes in the header) decodes to its real length', async () => {
  const bytes = new Uint8Array(await readFile(FIXTURES + 'tone440_s16_16k.wav'));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(4, 0x7ffff024, true); // what sox and espeak-ng write when they cannot seek back
  dv.setUint32(40, 0x7ffff000, true);
  const d = await decodeBytes(bytes);
  assert.equal(d.source.durationSec, 0.5);
  assert.equal(d.samples.length, 8000);
});
