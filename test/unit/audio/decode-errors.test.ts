import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { AudioError, decodeBytes, decodeFile, type AudioErrorCode } from '../../../src/node/decode.js';

const FIXTURES = new URL('../../fixtures/audio/', import.meta.url).pathname;

async function rejectsWith(p: Promise<unknown>, code: AudioErrorCode, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AudioError, `expected an AudioError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    for (const re of patterns) assert.match(err.message, re);
    return true;
  });
}

/** A mono 16-bit PCM WAV header declaring `dataBytes` of data at `sampleRate`, followed by `present` zero bytes. */
function wavHeader(sampleRate: number, dataBytes: number, present: number): Uint8Array {
  const b = new Uint8Array(44 + present);
  const dv = new DataView(b.buffer);
  const text = (o: number, s: string): void => s.split('').forEach((ch, i) => (b[o + i] = ch.charCodeAt(0)));
  text(0, 'RIFF');
  dv.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, 1, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * 2, true);
  dv.setUint16(32, 2, true);
  dv.setUint16(34, 16, true);
  text(36, 'data');
  dv.setUint32(40, dataBytes, true);
  return b;
}

const ACCEPTED = /accepted formats: WAV .*FLAC, MP3, Ogg Vorbis, Ogg Opus, WebM/;

test('EMPTY: a 0-byte file, naming the file and what is accepted', async () => {
  await rejectsWith(
    decodeFile(FIXTURES + 'empty.wav'),
    'EMPTY',
    /empty\.wav: empty input \(0 bytes\)/,
    /WAV .*FLAC, MP3/,
  );
});

test('NOT_AUDIO: a text file says what it looks like and lists the formats', async () => {
  await rejectsWith(decodeFile(FIXTURES + 'not_audio.txt'), 'NOT_AUDIO', /looks like a text file/, ACCEPTED);
  await rejectsWith(
    decodeBytes(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10])),
    'NOT_AUDIO',
    /PNG image/,
  );
  await rejectsWith(decodeBytes(new Uint8Array(64).fill(7)), 'NOT_AUDIO', /unrecognised binary data/);
});

test('UNSUPPORTED_CODEC: GSM in WAV names the format tag and the supported WAV encodings', async () => {
  await rejectsWith(
    decodeFile(FIXTURES + 'gsm_8k.wav'),
    'UNSUPPORTED_CODEC',
    /WAV format 0x0031 \(GSM 6\.10\) is not supported/,
    /PCM 8\/16\/24\/32-bit integer, IEEE float/,
  );
});

test('UNSUPPORTED_CODEC: RF64 (64-bit WAV) is named as such', async () => {
  const rf64 = wavHeader(16000, 100, 100);
  rf64.set([0x52, 0x46, 0x36, 0x34], 0); // 'RF64'
  await rejectsWith(decodeBytes(rf64), 'UNSUPPORTED_CODEC', /RF64 WAV .* is not supported; accepted formats/);
});

test('TRUNCATED: WAV data cut short, and MP3/FLAC cut in half', async () => {
  await rejectsWith(
    decodeFile(FIXTURES + 'truncated.wav'),
    'TRUNCATED',
    /declares 0\.500 s of audio but the data ends after 0\.250 s/,
  );
  await rejectsWith(decodeFile(FIXTURES + 'truncated.mp3'), 'TRUNCATED', /truncated MP3 file/);
  await rejectsWith(
    decodeFile(FIXTURES + 'truncated.flac'),
    'TRUNCATED',
    /truncated FLAC file: the header declares 0\.500 s/,
  );
  await rejectsWith(
    decodeBytes(wavHeader(16000, 0, 0).subarray(0, 30)),
    'TRUNCATED',
    /ends inside its fmt chunk/,
  );
});

test('CORRUPT: a float WAV with a NaN sample', async () => {
  const bytes = new Uint8Array(await readFile(FIXTURES + 'tone440_f32_44k.wav'));
  const dataStart = bytes.length - 22050 * 4;
  new DataView(bytes.buffer).setFloat32(dataStart + 400, NaN, true);
  await rejectsWith(decodeBytes(bytes), 'CORRUPT', /damaged WAV file: sample 100 is NaN/);
});

test('ZERO_LENGTH: a valid WAV header with no samples', async () => {
  await rejectsWith(decodeFile(FIXTURES + 'zero_length.wav'), 'ZERO_LENGTH', /contains no audio samples/);
});

test('TOO_LONG is decided from the header, before decoding (an hour-long WAV header with no data behind it)', async () => {
  const hour = wavHeader(16000, 16000 * 2 * 3600, 100);
  await rejectsWith(
    decodeBytes(hour),
    'TOO_LONG',
    /header declares 3600\.000 s, the maximum is 600\.000 s \(option maxDurationSec\)/,
  );
});

test('TOO_LONG with a configurable maximum, also for live WebM whose header states no duration', async () => {
  await rejectsWith(
    decodeFile(FIXTURES + 'tone440_44k.flac', { maxDurationSec: 0.25 }),
    'TOO_LONG',
    /maximum is 0\.250 s/,
  );
  await rejectsWith(
    decodeFile(FIXTURES + 'tone440_48k_live.webm', { maxDurationSec: 0.25 }),
    'TOO_LONG',
    /maximum is 0\.250 s/,
  );
  const ok = await decodeFile(FIXTURES + 'tone440_48k_live.webm', { maxDurationSec: 0.6 });
  assert.equal(ok.samples.length, 8000);
});

test('TOO_SHORT only when minDurationSec is set', async () => {
  await rejectsWith(
    decodeFile(FIXTURES + 'tone440_s16_16k.wav', { minDurationSec: 1 }),
    'TOO_SHORT',
    /0\.500 s, the minimum is 1\.000 s \(option minDurationSec\)/,
  );
});

test('SILENT: digital silence is reported, unless allowSilence', async () => {
  await rejectsWith(decodeFile(FIXTURES + 'silence_16k.wav'), 'SILENT', /digital silence/, /microphone/);
  const d = await decodeFile(FIXTURES + 'silence_16k.wav', { allowSilence: true });
  assert.equal(d.samples.length, 8000);
  assert.ok(d.samples.every((v) => v === 0));
});

test('opposite-phase stereo mixes to zero but is not called silent', async () => {
  const bytes = new Uint8Array(await readFile(FIXTURES + 'tone440_s16_16k.wav'));
  // rewrite as 8 kHz stereo: each frame (L, R) = (x, -x)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint16(22, 2, true);
  dv.setUint32(24, 8000, true);
  dv.setUint16(32, 4, true);
  for (let o = 44; o + 4 <= bytes.length; o += 4)
    dv.setInt16(o + 2, -Math.max(-32767, dv.getInt16(o, true)), true);
  const d = await decodeBytes(bytes, { targetSampleRate: 8000 });
  assert.equal(d.source.channels, 2);
  assert.ok(d.samples.every((v) => Math.abs(v) < 1e-4));
});

test('errors are user-facing: a string code and userFacing, so the CLI prints one line', async () => {
  const err = await decodeFile(FIXTURES + 'empty.wav').catch((e: unknown) => e);
  assert.ok(err instanceof AudioError);
  assert.equal(typeof err.code, 'string');
  assert.equal(err.userFacing, true);
});

test('TOO_LONG comes from the header for every format whose header states a duration', async () => {
  for (const name of [
    'tone440_s16_16k.wav',
    'tone440_imaadpcm_16k.wav',
    'tone440_44k.flac',
    'tone440_44k.mp3',
    'tone440_44k.ogg',
    'tone440_48k.opus',
    'tone440_48k.webm',
    'tone440_44k.m4a',
  ]) {
    await rejectsWith(
      decodeFile(FIXTURES + name, { maxDurationSec: 0.25 }),
      'TOO_LONG',
      /its header declares 0\.5\d\d s/,
    );
  }
  // Browser recordings state no duration: the limit stops the decoder instead.
  for (const name of ['tone440_48k_live.webm', 'tone440_44k_frag.mp4']) {
    await rejectsWith(
      decodeFile(FIXTURES + name, { maxDurationSec: 0.25 }),
      'TOO_LONG',
      /after decoding part of it/,
    );
  }
});
