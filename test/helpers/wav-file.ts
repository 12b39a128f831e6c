/** 16-bit PCM mono WAV encoder for tests that need real audio files on disk (src/core/audio/wav-encode.ts). */
export { encodeWav16 } from '../../src/core/audio/wav-encode.js';
