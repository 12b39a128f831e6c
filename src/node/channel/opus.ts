/**
 * The `codec` channel condition in Node: an Opus round trip through libopus 1.4 compiled to
 * wasm (npm `opusscript`, MIT). Raw Opus packets, 20 ms frames, VOIP mode, constant bitrate
 * (CBR); no container. Rates Opus does not run at are resampled to 16 kHz and back.
 * Complexity 5. The encoder's look-ahead (6.5 ms) is removed so the output is time-aligned with the input
 * and has its length.
 *
 * Node-only because opusscript is a CommonJS module that passes Node Buffers; core defines the
 * interface (src/core/channel/codec.ts).
 */
import OpusScript from 'opusscript';
import { resample } from '../../core/audio/resample.js';
import type { LossyCodec } from '../../core/channel/codec.js';

const OPUS_RATES = [8000, 12000, 16000, 24000, 48000] as const;
export type OpusRate = (typeof OPUS_RATES)[number];
const FRAME_S = 0.02;
/** opus_defines.h: OPUS_SET_VBR_REQUEST (0 = constant bitrate, so the condition's bitrate is the bitrate). */
const OPUS_SET_VBR_REQUEST = 4006;
/**
 * opus_defines.h: OPUS_SET_COMPLEXITY_REQUEST. 5 of 0-10, as VoIP clients on phones run it:
 * about a fifth of the CPU of the default 10 here, which makes the codec condition affordable
 * over thousands of clips (and as augmentation).
 */
const OPUS_SET_COMPLEXITY_REQUEST = 4010;
const OPUS_COMPLEXITY = 5;
/** libopus's encoder delay: 2.5 ms look-ahead + 4 ms of the resampler / mode switching. */
const LOOKAHEAD_S = 0.0065;

function toInt16(x: Float32Array, into: Int16Array, from: number): void {
  for (let i = 0; i < into.length; i++) {
    const v = from + i < x.length ? Math.round(x[from + i] * 32767) : 0;
    into[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}

/** x through Opus at one of its native rates; also the encoded size in bytes. */
export function opusAt(
  x: Float32Array,
  rate: OpusRate,
  bitrate: number,
): { samples: Float32Array; bytes: number } {
  const frame = Math.round(FRAME_S * rate);
  const delay = Math.round(LOOKAHEAD_S * rate);
  const coder = new OpusScript(rate, 1, OpusScript.Application.VOIP);
  try {
    coder.setBitrate(bitrate);
    coder.encoderCTL(OPUS_SET_VBR_REQUEST, 0);
    coder.encoderCTL(OPUS_SET_COMPLEXITY_REQUEST, OPUS_COMPLEXITY);
    const out = new Float32Array(x.length);
    const pcm = new Int16Array(frame);
    let written = -delay;
    let bytes = 0;
    for (let start = 0; written < x.length; start += frame) {
      toInt16(x, pcm, start);
      const packet = coder.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), frame);
      bytes += packet.length;
      const dec = coder.decode(packet);
      const y = new Int16Array(dec.buffer, dec.byteOffset, dec.byteLength >> 1);
      for (let i = 0; i < y.length; i++, written++) {
        if (written >= 0 && written < x.length) out[written] = y[i] / 32768;
      }
    }
    return { samples: out, bytes };
  } finally {
    coder.delete();
  }
}

/** Opus (libopus 1.4, wasm) as the channel chain's lossy codec. */
export const opusCodec: LossyCodec = {
  name: 'opus (libopus 1.4 via opusscript, VOIP, 20 ms frames)',
  async roundTrip(x, sampleRate, bitrate) {
    if ((OPUS_RATES as readonly number[]).includes(sampleRate))
      return opusAt(x, sampleRate as OpusRate, bitrate).samples;
    const mid = await resample(x, sampleRate, 16000);
    const back = await resample(opusAt(mid, 16000, bitrate).samples, 16000, sampleRate);
    const out = new Float32Array(x.length);
    out.set(back.subarray(0, x.length));
    return out;
  },
};
