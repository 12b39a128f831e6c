/** Header probes by container: what a file says about its audio before decoding it. */
import type { Container } from './sniff.js';
import type { HeaderInfo } from './source-info.js';
import { probeFlac } from './flac.js';
import { probeMatroska } from './matroska.js';
import { probeMp3 } from './mp3.js';
import { probeMp4 } from './mp4.js';
import { probeOgg } from './ogg.js';
import { probeWav } from './wav.js';

export type { Container, Sniffed } from './sniff.js';
export type { HeaderInfo } from './source-info.js';
export type { WavHeader } from './wav.js';
export { sniffContainer } from './sniff.js';
export { probeFlac, probeMatroska, probeMp3, probeMp4, probeOgg, probeWav };

/** Header facts for `container`; AIFF has no probe of its own and gets only its names. */
export function probeHeader(b: Uint8Array, container: Container): HeaderInfo {
  switch (container) {
    case 'wav':
      return probeWav(b);
    case 'flac':
      return probeFlac(b);
    case 'mp3':
      return probeMp3(b);
    case 'ogg':
      return probeOgg(b);
    case 'webm':
    case 'matroska':
      return probeMatroska(b);
    case 'mp4':
      return probeMp4(b);
    case 'aiff':
      return {
        container: 'aiff',
        codec: 'pcm_be',
        sampleRate: null,
        channels: null,
        declaredDurationSec: null,
        estimatedDurationSec: null,
      };
  }
}
