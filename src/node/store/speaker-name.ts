/**
 * Speaker names: what a client may call the person speaking, so that their recordings can be
 * grouped into a profile. Letters (any script), digits, '-', '_' and '.', 1 to 64 of them; no
 * spaces, so a name reads the same in a URL, a file name and a log line. Names are compared
 * exactly ("Anna" and "anna" are two speakers).
 */
import { EmovoxError } from '../../core/errors.js';
export const SPEAKER_NAME_PATTERN = /^[\p{L}\p{N}._-]{1,64}$/u;
export const SPEAKER_NAME_RULE = "1 to 64 letters, digits, '-', '_' or '.' (no spaces)";

export class SpeakerNameError extends EmovoxError {
  constructor(message: string) {
    super('BAD_SPEAKER', message);
  }
}

/** The speaker name, or null when none was given (undefined, null or ''); throws SpeakerNameError otherwise. */
export function parseSpeakerName(value: unknown, field = 'speaker'): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    throw new SpeakerNameError(`${field} must be text: ${SPEAKER_NAME_RULE}`);
  }
  if (!SPEAKER_NAME_PATTERN.test(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new SpeakerNameError(`${field} must be ${SPEAKER_NAME_RULE}; got ${JSON.stringify(shown)}`);
  }
  return value;
}
