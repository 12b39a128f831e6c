import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EmovoxError } from '../../core/errors.js';
import { ACCEPTED_FORMATS } from '../decode.js';

/** What the API accepts, quoted in 415 messages. */
export const ACCEPTED_AUDIO =
  `${ACCEPTED_FORMATS} audio, sent as multipart/form-data (field "file") ` +
  'or as a raw body with Content-Type audio/* or application/octet-stream';

/** An error the API reports as `{ error: { code, message } }` with its own HTTP status. */
export class HttpError extends EmovoxError {
  constructor(
    readonly statusCode: number,
    code: string,
    message: string,
  ) {
    // A 4xx is the client's to fix; a 5xx is ours.
    super(code, message, { userFacing: statusCode < 500 });
  }
}

/**
 * HTTP status for each AudioError code from src/node/decode.ts:
 * - 415: the bytes are not audio in a format we decode (NOT_AUDIO, UNSUPPORTED_CODEC), or
 *   there are no bytes at all (EMPTY: an empty body is not audio of any accepted type);
 * - 413: the audio is longer than the server's maximum duration (TOO_LONG);
 * - 422: an accepted format whose content cannot be classified: cut off mid-stream (TRUNCATED),
 *   damaged data (CORRUPT), no samples (ZERO_LENGTH), shorter than the minimum (TOO_SHORT),
 *   digital silence (SILENT).
 * The predictor's own BAD_INPUT is a 422 as well.
 */
export const AUDIO_ERROR_STATUS: Record<string, number> = {
  EMPTY: 415,
  NOT_AUDIO: 415,
  UNSUPPORTED_CODEC: 415,
  TOO_LONG: 413,
  TRUNCATED: 422,
  CORRUPT: 422,
  ZERO_LENGTH: 422,
  TOO_SHORT: 422,
  SILENT: 422,
  BAD_INPUT: 422,
};

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Maps any thrown error to a status and a JSON body; unknown errors become a 500 without details. */
export function errorResponse(err: unknown, maxUploadBytes: number): { status: number; body: ErrorBody } {
  const e = err as Partial<FastifyError> & { code?: unknown; message?: string; validation?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = e?.message ?? String(err);
  const make = (status: number, c: string, m: string) => ({
    status,
    body: { error: { code: c, message: m } },
  });

  if (err instanceof HttpError) return make(err.statusCode, err.code, err.message);
  if (code && code in AUDIO_ERROR_STATUS) {
    const extra =
      AUDIO_ERROR_STATUS[code] === 415 && !message.includes('accepted')
        ? ` (accepted: ${ACCEPTED_AUDIO})`
        : '';
    return make(AUDIO_ERROR_STATUS[code], code, message + extra);
  }
  const mib = (maxUploadBytes / 1048576).toFixed(maxUploadBytes % 1048576 === 0 ? 0 : 1);
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return make(
        413,
        'TOO_LARGE',
        `upload is larger than the limit of ${mib} MiB (${maxUploadBytes} bytes)`,
      );
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return make(413, 'TOO_MANY_PARTS', 'send exactly one audio file per request (multipart field "file")');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return make(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Type; send ${ACCEPTED_AUDIO}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return make(415, 'EMPTY', `the request has no body; send ${ACCEPTED_AUDIO}`);
  }
  if (e?.validation) return make(400, 'BAD_REQUEST', message);
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return make(status, code ?? 'BAD_REQUEST', message);
  return make(500, 'INTERNAL', 'internal server error; the request was not completed');
}

/** Fastify error handler: logs 5xx with their stack, answers every error as JSON. */
export function makeErrorHandler(maxUploadBytes: number, requestLogger = false) {
  return function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const { status, body } = errorResponse(err, maxUploadBytes);
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      // Internal errors reach stderr even when the request logger is off (the default).
      if (!requestLogger)
        console.error(
          `emovox: ${request.method} ${request.url} failed:`,
          err instanceof Error ? err.stack : err,
        );
    }
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}
