/** Wording shared by the decoder's error messages. */
import { AudioError } from './audio-error.js';

export const fmtSec = (s: number): string => `${s.toFixed(3)} s`;

const DISPLAY_NAME: Record<string, string> = {
  wav: 'WAV',
  flac: 'FLAC',
  mp3: 'MP3',
  ogg: 'Ogg',
  webm: 'WebM',
  matroska: 'Matroska',
  mp4: 'MP4',
  aiff: 'AIFF',
};
export const displayName = (container: string): string => DISPLAY_NAME[container] ?? container;

export function tooLong(sec: number, maxSec: number, how: string): AudioError {
  return new AudioError(
    'TOO_LONG',
    `audio is too long: ${how} ${fmtSec(sec)}, the maximum is ${fmtSec(maxSec)} (option maxDurationSec)`,
  );
}
