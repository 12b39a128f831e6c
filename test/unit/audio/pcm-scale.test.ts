import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBytes } from '../../../src/node/decode.js';

/** A mono PCM WAV at 16 kHz holding the given integer codes (8-bit unsigned, 16/24-bit signed). */
function pcmWav(codes: number[], bits: 8 | 16 | 24): Uint8Array {
  const bytes = bits / 8;
  const buf = Buffer.alloc(44 + codes.length * bytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + codes.length * bytes, 4);
  buf.write('WAVEfmt ', 8, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(16000, 24);
  buf.writeUInt32LE(16000 * bytes, 28);
  buf.writeUInt16LE(bytes, 32);
  buf.writeUInt16LE(bits, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(codes.length * bytes, 40);
  codes.forEach((c, i) => {
    const o = 44 + i * bytes;
    if (bits === 8) buf.writeUInt8(c + 128, o);
    else if (bits === 16) buf.writeInt16LE(c, o);
    else buf.writeIntLE(c, o, 3);
  });
  return new Uint8Array(buf);
}

// torchaudio, libsndfile, soundfile and numpy read integer PCM as code / 2^(bits - 1) for positive
// and negative codes alike; feature parity with them (1e-3 dB in the weakest mel bands) needs it.
for (const bits of [8, 16, 24] as const) {
  test(`${bits}-bit PCM WAV decodes every code as code / 2^${bits - 1}, positive and negative alike`, async () => {
    const full = 2 ** (bits - 1);
    const codes = [full - 1, -full, 1, -1, 0, Math.floor(full / 3), -Math.floor(full / 3), full - 2];
    // Repeat to a tenth of a second so the decoder accepts it as audio.
    const signal = Array.from({ length: 1600 }, (_, i) => codes[i % codes.length]);
    const d = await decodeBytes(pcmWav(signal, bits), { targetSampleRate: 16000 });
    assert.equal(d.samples.length, signal.length);
    for (let i = 0; i < codes.length; i++) {
      assert.equal(d.samples[i], Math.fround(codes[i] / full), `code ${codes[i]}`);
    }
  });
}
