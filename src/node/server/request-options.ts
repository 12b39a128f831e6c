import { parseSpeakerName, SPEAKER_NAME_RULE } from '../store/speaker-name.js';
import type { AudioUpload } from './audio-upload.js';
import { HttpError } from './errors.js';

/**
 * An option of an upload request, from the query string (`?speaker=`) or a multipart text field
 * of the same name; given both ways, the two must agree.
 */
export function uploadOption(
  query: Record<string, unknown>,
  upload: AudioUpload,
  name: string,
): string | null {
  const q = typeof query[name] === 'string' && query[name] !== '' ? (query[name] as string) : null;
  const f = upload.fields[name] !== undefined && upload.fields[name] !== '' ? upload.fields[name] : null;
  if (q !== null && f !== null && q !== f) {
    throw new HttpError(
      400,
      'BAD_REQUEST',
      `${name} is given twice with different values (query ${JSON.stringify(q)}, form field ${JSON.stringify(f)}); give it once`,
    );
  }
  return q ?? f;
}

/** A speaker name from a request, or null when absent; a 400 BAD_SPEAKER saying what is accepted otherwise. */
export function requestSpeaker(raw: unknown): string | null {
  try {
    return parseSpeakerName(raw);
  } catch (err) {
    throw new HttpError(400, 'BAD_SPEAKER', (err as Error).message);
  }
}

/** The upload request's speaker (query or form field), or null. */
export function speakerOption(query: Record<string, unknown>, upload: AudioUpload): string | null {
  return requestSpeaker(uploadOption(query, upload, 'speaker'));
}

/** Query-string schema of the speaker and model options, for the OpenAPI document. */
export const uploadOptionsQuery = {
  speaker: {
    type: 'string',
    description:
      `Who speaks: ${SPEAKER_NAME_RULE}. The clip is classified with that speaker's profile ` +
      '(their stored recordings plus this clip); also accepted as a multipart field.',
  },
  model: {
    type: 'string',
    description:
      'Which served model answers (GET /api/models); the first by default. Also a multipart field.',
  },
} as const;
