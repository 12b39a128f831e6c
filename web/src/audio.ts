/** Audio helpers that rely on the browser's own decoders (Web Audio API). */

/** The rate every Emovox model expects unless its bundle says otherwise. */
export const MODEL_SAMPLE_RATE_HZ = 16000;

/**
 * Decodes any audio the browser understands (WAV, MP3, FLAC, OGG/Opus, WebM/Opus) into mono
 * Float32 at `sampleRateHz`. decodeAudioData resamples to its context's rate, so an
 * OfflineAudioContext at the target rate does decoding and resampling in one step.
 */
export async function decodeToMono(audio: Blob, sampleRateHz = MODEL_SAMPLE_RATE_HZ): Promise<Float32Array> {
  const bytes = await audio.arrayBuffer();
  if (bytes.byteLength === 0) throw new Error('The audio is empty (0 bytes).');
  const ctx = new OfflineAudioContext(1, 1, sampleRateHz);
  let buffer: AudioBuffer;
  try {
    buffer = await ctx.decodeAudioData(bytes);
  } catch {
    throw new Error(
      'This browser could not decode the audio. Accepted: WAV, FLAC, MP3, OGG/Opus or WebM/Opus audio files.',
    );
  }
  return mixToMono(buffer);
}

export function mixToMono(buffer: AudioBuffer): Float32Array {
  if (buffer.numberOfChannels === 1) return buffer.getChannelData(0).slice();
  const out = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const ch = buffer.getChannelData(c);
    for (let i = 0; i < out.length; i++) out[i] += ch[i] / buffer.numberOfChannels;
  }
  return out;
}

/** Resamples mono samples with the browser's resampler (OfflineAudioContext); same rate is a copy. */
export async function resampleMono(
  samples: Float32Array,
  fromHz: number,
  toHz: number,
): Promise<Float32Array> {
  if (fromHz === toHz) return samples.slice();
  const length = Math.max(1, Math.round((samples.length * toHz) / fromHz));
  const ctx = new OfflineAudioContext(1, length, toHz);
  const buffer = ctx.createBuffer(1, samples.length, fromHz);
  buffer.copyToChannel(new Float32Array(samples), 0);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(ctx.destination);
  source.start();
  const rendered = await ctx.startRendering();
  return rendered.getChannelData(0).slice();
}
