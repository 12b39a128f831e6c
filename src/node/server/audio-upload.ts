import type { FastifyRequest } from 'fastify';
import { ACCEPTED_AUDIO, HttpError } from './errors.js';

/** One uploaded audio file, as the client sent it, and the text fields that came with it. */
export interface AudioUpload {
  bytes: Uint8Array;
  /** The client's Content-Type for the file (may be generic, e.g. application/octet-stream). */
  mimeType: string;
  fileName: string | null;
  /** Text fields of a multipart body (e.g. speaker, model), in any order around the file; {} for raw bodies. */
  fields: Record<string, string>;
}

/** Raw bodies are accepted for these Content-Types (see app.ts's content-type parser). */
export const RAW_AUDIO_TYPES: RegExp[] = [
  /^audio\/[\w.+-]+/i,
  /^video\/webm/i,
  /^application\/octet-stream/i,
];

/**
 * Reads the audio of a request: the file of a multipart/form-data body (field "file" is
 * conventional; any field name is taken) with its text fields, or the whole raw body. Size and
 * count limits are enforced by the multipart plugin and the raw body parser, which throw 413 errors.
 */
export async function readAudioUpload(request: FastifyRequest, fileNameHint?: string): Promise<AudioUpload> {
  if (request.isMultipart()) {
    let file: Omit<AudioUpload, 'fields'> | null = null;
    const fields: Record<string, string> = {};
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        file ??= {
          bytes,
          mimeType: part.mimetype || 'application/octet-stream',
          fileName: part.filename || null,
        };
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
    if (!file) throw new HttpError(415, 'EMPTY', `the multipart body holds no file; send ${ACCEPTED_AUDIO}`);
    return { ...file, fields };
  }
  const body = request.body;
  if (!(body instanceof Buffer)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Type; send ${ACCEPTED_AUDIO}`);
  }
  return {
    bytes: body,
    mimeType: (request.headers['content-type'] ?? 'application/octet-stream').trim(),
    fileName: fileNameHint ?? null,
    fields: {},
  };
}

/** A specific audio MIME type for stored files, from the decoder's container when the client's was generic. */
export function audioMimeType(clientType: string, container: string | undefined): string {
  const generic = /^(application\/octet-stream|audio\/\*|)$/i.test(clientType.split(';')[0].trim());
  if (!generic) return clientType;
  const byContainer: Record<string, string> = {
    wav: 'audio/wav',
    wave: 'audio/wav',
    riff: 'audio/wav',
    flac: 'audio/flac',
    mp3: 'audio/mpeg',
    mpeg: 'audio/mpeg',
    ogg: 'audio/ogg',
    webm: 'audio/webm',
    matroska: 'audio/webm',
  };
  return byContainer[(container ?? '').toLowerCase()] ?? 'application/octet-stream';
}
