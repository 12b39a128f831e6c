/**
 * Voice activity detection: speech segments of a signal or a stream (detector.ts), and what
 * callers do with them (speech.ts). Platform-neutral: server, CLI and web page share it.
 */
export {
  DEFAULT_VAD_OPTIONS,
  detectSpeech,
  VoiceActivityDetector,
  type FrameFeatures,
  type SpeechSegment,
  type VadEvent,
  type VadOptions,
} from './detector.js';
export { NoSpeechError, requireSpeech, SPEECH_PAD_SEC, speechSamples } from './speech.js';
