/**
 * Pitch perturbation: the voice's pitch moved by a number of semitones while the clip keeps its
 * duration and tempo (unlike speed perturbation, which moves tempo, pitch and formants
 * together). Done by SoundTouch's algorithm (@soundtouchjs/core, MPL-2.0, a TypeScript port of
 * Olli Parviainen's SoundTouch): the clip is resampled by the pitch factor and WSOLA
 * (waveform-similarity overlap-add) stretches it back to its length. The spectral envelope
 * moves with the pitch, as in every resample-and-stretch shifter, by at most 12 % at the
 * +-2 semitones augmentation draws. A well-kept library rather than our own WSOLA: the
 * algorithm is decades old and tuned, and this is augmentation, not the heart of the product.
 * Platform-neutral.
 */
import { SoundTouch } from '@soundtouchjs/core';
import { ChannelError } from './channel-error.js';
import { clip } from './clip.js';

/** Semitones `pitch` draws from (uniform). */
export const PITCH_RANGE_ST: readonly [number, number] = [-2, 2];
/** The largest shift a `pitch+<S>st` or `pitch-<S>st` step takes, in semitones. */
export const PITCH_LIMIT_ST = 12;

const CHUNK = 4096;

/**
 * `x` with its pitch moved by `semitones` (positive: higher), the same length as `x`: the
 * shifter's output from its first sample, cut at the input's length after silence has pushed the
 * last of the clip through (a test finds a tone's onset and offset within 20 ms of the
 * original's), hard-clipped to [-1, 1]. 0 semitones returns `x` itself.
 */
export function pitchShift(x: Float32Array, semitones: number, sampleRate: number): Float32Array {
  if (!(Math.abs(semitones) <= PITCH_LIMIT_ST))
    throw new ChannelError(`pitch shift must be within +-${PITCH_LIMIT_ST} semitones, got ${semitones}`);
  if (semitones === 0 || x.length === 0) return x;
  const st = new SoundTouch({ sampleRate, sampleBufferType: 'fifo' });
  st.pitchSemitones = semitones;
  const out = new Float32Array(x.length);
  let written = 0;
  // SoundTouch works on interleaved stereo: the clip goes in as two identical channels.
  const inter = new Float32Array(CHUNK * 2);
  const recv = new Float32Array(CHUNK * 2);
  const drain = () => {
    let n: number;
    while ((n = st.outputBuffer.frameCount) > 0 && written < out.length) {
      const k = Math.min(n, CHUNK, out.length - written);
      st.outputBuffer.extract(recv, 0, k);
      st.outputBuffer.receive(k);
      for (let i = 0; i < k; i++) out[written + i] = recv[2 * i];
      written += k;
    }
  };
  const feed = (src: Float32Array | null, from: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const v = src ? src[from + i] : 0;
      inter[2 * i] = v;
      inter[2 * i + 1] = v;
    }
    st.inputBuffer.putSamples(inter, 0, n);
    st.process();
    drain();
  };
  for (let s = 0; s < x.length; s += CHUNK) feed(x, s, Math.min(CHUNK, x.length - s));
  // Silence pushes the last of the clip through the shifter's windows.
  for (let r = 0; r < 64 && written < out.length; r++) feed(null, 0, CHUNK);
  return clip(out);
}
