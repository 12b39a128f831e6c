import { readFile } from 'node:fs/promises';

/**
 * Bench-local reader for 16-bit PCM mono WAV (EMO-DB's format), used until
 * src/node/decode.ts lands. Returns samples scaled to [-1, 1).
 */
export async function readWav16(path: string): Promise<{ samples: Float32Array; sampleRate: number }> {
  const buf = await readFile(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a RIFF/WAVE file`);
  }
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = buf.readUInt16LE(body);
      const channels = buf.readUInt16LE(body + 2);
      const bits = buf.readUInt16LE(body + 14);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(
          `${path}: only 16-bit PCM mono is read here (format ${format}, ${channels} ch, ${bits} bit)`,
        );
      }
      sampleRate = buf.readUInt32LE(body + 4);
    } else if (id === 'data') {
      if (sampleRate === 0) throw new Error(`${path}: data chunk before fmt chunk`);
      const n = Math.floor(Math.min(size, buf.length - body) / 2);
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(body + 2 * i) / 32768;
      return { samples, sampleRate };
    }
    offset = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}
