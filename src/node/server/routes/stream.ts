import type { FastifyPluginAsync } from 'fastify';
import type { RecordingStore } from '../../store/recordings.js';
import type { ModelSet } from '../model-set.js';
import { bearerToken, keysMatch } from '../security/api-key.js';
import { CLOSE, StreamSession, type StreamLimits } from '../stream/session.js';

/**
 * GET /api/stream: live emotion events over a WebSocket (protocol: ../stream/session.ts and
 * the server README). At most `limits.maxStreams` streams at once; one more gets an error event
 * TOO_MANY_STREAMS and close code 1013.
 */
export const streamRoutes: FastifyPluginAsync<{
  models: ModelSet;
  store: RecordingStore;
  limits: StreamLimits;
  /** The server's API key: the stream needs it in `start` (or the upgrade's Authorization header). */
  apiKey?: string | null;
}> = async (app, { models, store, limits, apiKey = null }) => {
  let open = 0;
  app.get(
    '/api/stream',
    {
      websocket: true,
      schema: {
        summary: 'Live emotion of streamed audio (WebSocket)',
        description:
          'Upgrade to a WebSocket; send {"type":"start","format":"pcm16"|"float32","sampleRate":16000} or ' +
          '{"type":"start","format":"webm"} (optional "model", "speaker"), then binary audio chunks, then ' +
          '{"type":"end"}. The server sends JSON events: ready, speech-start, partial, segment, error, end.',
        tags: ['stream'],
      },
    },
    (socket, request) => {
      const transport = {
        send: (e: Record<string, unknown>) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(e));
        },
        close: (code: number, reason: string) => socket.close(code, reason),
      };
      if (open >= limits.maxStreams) {
        transport.send({
          type: 'error',
          code: 'TOO_MANY_STREAMS',
          message: `the server already has ${limits.maxStreams} streams open (its limit); try again later`,
        });
        socket.close(CLOSE.TRY_LATER, 'TOO_MANY_STREAMS');
        return;
      }
      open++;
      const token = bearerToken(request.headers.authorization);
      const authorised = apiKey === null || (token !== null && keysMatch(token, apiKey));
      const session = new StreamSession(transport, models, store, limits, authorised ? null : apiKey);
      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        if (isBinary) session.onBinary(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
        else session.onText(buf.toString('utf8'));
      });
      socket.on('close', () => {
        open--;
        session.onClose();
      });
      socket.on('error', () => session.onClose());
    },
  );
};
