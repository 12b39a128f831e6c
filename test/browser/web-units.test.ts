/** Pure parts of the web page that run in Node too: no browser needed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBytes } from '../../src/node/decode.js';
import { adaptationText, speakerStatusText } from '../../web/src/adaptation-text.js';
import { RingBuffer } from '../../web/src/ring-buffer.js';
import { encodeWav } from '../../web/src/wav.js';

test('a WAV encoded by the page (live mode chunks) decodes on the server to the same samples', async () => {
  const rate = 16000;
  const x = Float32Array.from({ length: rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 220 * i) / rate));
  const wav = encodeWav(x, rate);
  assert.equal(wav.type, 'audio/wav');
  const decoded = await decodeBytes(new Uint8Array(await wav.arrayBuffer()));
  assert.equal(decoded.sampleRate, rate);
  assert.equal(decoded.source.channels, 1);
  assert.equal(decoded.samples.length, x.length);
  for (let i = 0; i < x.length; i++)
    assert.ok(Math.abs(decoded.samples[i] - x[i]) <= 1 / 32768, `sample ${i}`);
});

test('encodeWav clips samples outside [-1, 1] instead of wrapping around', async () => {
  const bytes = new DataView(await encodeWav(Float32Array.of(1.5, -2, 1, -1), 8000).arrayBuffer());
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => bytes.getInt16(44 + 2 * i, true)),
    [32767, -32767, 32767, -32767],
  );
});

test('the live ring buffer keeps the most recent samples in order', () => {
  const ring = new RingBuffer(6);
  assert.deepEqual([...ring.latest()], []);
  ring.push(Float32Array.of(1, 2, 3, 4, 5));
  ring.push(Float32Array.of(6, 7, 8, 9));
  assert.equal(ring.total, 9);
  assert.equal(ring.length, 6);
  assert.deepEqual([...ring.latest()], [4, 5, 6, 7, 8, 9]);
  assert.deepEqual([...ring.latest(3)], [7, 8, 9]);
  assert.deepEqual([...ring.latest(100)], [4, 5, 6, 7, 8, 9]);
});

test('the adaptation line says who the prediction adapted to, or how many clips are still missing', () => {
  const a = { speaker: 'anna', adapted: false, minSpeakerUtterances: 10 };
  assert.equal(adaptationText(null), null);
  assert.equal(adaptationText({ ...a, speakerUtterances: 3 }), 'Not adapted to anna yet: 3 of 10 clips.');
  assert.equal(adaptationText({ ...a, speakerUtterances: 12, adapted: true }), 'Adapted to anna (12 clips).');
  assert.equal(
    adaptationText({ ...a, speakerUtterances: 1, minSpeakerUtterances: null }),
    'This model does not adapt to a speaker (anna: 1 clip so far).',
  );
});

test('the speaker line says how many clips are stored and when adaptation starts', () => {
  const adaptive = { speakerAdaptation: { minSpeakerUtterances: 10 } };
  assert.equal(
    speakerStatusText('anna', adaptive, 0),
    'anna: 0 stored clips; adaptation starts at 10 (each stored prediction counts).',
  );
  assert.equal(
    speakerStatusText('anna', adaptive, 9),
    'anna: 9 stored clips; predictions adapt to this voice.',
  );
  assert.equal(
    speakerStatusText('anna', { speakerAdaptation: null }, 4),
    'anna: this model does not adapt to a speaker.',
  );
});
