import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Recording, RecordingStore } from '../../store/recordings.js';
import { MAX_PAGE_SIZE } from '../../store/recordings.js';
import { audioMimeType, readAudioUpload } from '../audio-upload.js';
import { HttpError } from '../errors.js';
import type { ModelSet } from '../model-set.js';
import { requestSpeaker, speakerOption, uploadOption, uploadOptionsQuery } from '../request-options.js';
import { idParamsSchema, uploadErrorResponses } from '../schemas.js';
import { classifyForSpeaker } from '../speaker-adaptation.js';

export interface RecordingRoutesOptions {
  models: ModelSet;
  store: RecordingStore;
}

function withUrl(r: Recording, prefix = '') {
  return { ...r, audioUrl: `${prefix}/api/recordings/${r.id}/audio` };
}

function notFound(id: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', `no recording with id ${id}`);
}

/** Stored recordings: create (upload + classify + store), list (paginated, newest first), get, audio, delete. */
export const recordingRoutes: FastifyPluginAsync<RecordingRoutesOptions> = async (app, { models, store }) => {
  // sendFile for the audio download (Range requests, ETag), without serving a folder itself.
  await app.register(fastifyStatic, { root: store.audioDir, serve: false });

  app.post<{ Querystring: { name?: string; speaker?: string; model?: string } }>(
    '/api/recordings',
    {
      schema: {
        summary: 'Store an audio clip and its prediction',
        description:
          'Body as for POST /api/predict. The original bytes are kept and can be fetched from `audioUrl`. ' +
          'With a raw body, `?name=` records a file name. With a speaker, the clip is classified with their ' +
          "profile and then joins it (its descriptor vector is stored for the speaker's next clips).",
        tags: ['recordings'],
        querystring: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 255 }, ...uploadOptionsQuery },
          additionalProperties: false,
        },
        response: {
          201: { $ref: 'Recording#' },
          ...uploadErrorResponses,
          404: { $ref: 'Error#', description: 'No model of that name (the message lists them)' },
        },
      },
    },
    async (request, reply) => {
      const upload = await readAudioUpload(request, request.query.name);
      const model = models.get(uploadOption(request.query, upload, 'model'));
      const speaker = speakerOption(request.query, upload);
      const { classified, prediction } = await classifyForSpeaker(model, store, upload.bytes, speaker);
      const { durationSec, container, descriptors } = classified;
      const kind = model.summary.descriptorKind;
      const rec = store.create({
        bytes: upload.bytes,
        mimeType: audioMimeType(upload.mimeType, container),
        fileName: upload.fileName,
        durationSec,
        modelId: model.id,
        prediction,
        speaker,
        descriptors: kind && descriptors ? [{ kind, vector: descriptors }] : [],
      });
      return reply
        .code(201)
        .header('location', `${app.prefix}/api/recordings/${rec.id}`)
        .send(withUrl(rec, app.prefix));
    },
  );

  app.get<{ Querystring: { page: number; pageSize: number; speaker?: string } }>(
    '/api/recordings',
    {
      schema: {
        summary: "Stored recordings, newest first (optionally one speaker's)",
        tags: ['recordings'],
        querystring: {
          type: 'object',
          properties: {
            page: { type: 'integer', minimum: 1, default: 1 },
            pageSize: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 },
            speaker: { type: 'string', description: "Only this speaker's recordings" },
          },
          additionalProperties: false,
        },
        response: { 200: { $ref: 'RecordingPage#' }, 400: { $ref: 'Error#' } },
      },
    },
    async (request) => {
      const speaker = requestSpeaker(request.query.speaker);
      const page = store.list(request.query.page, request.query.pageSize, speaker);
      return { ...page, items: page.items.map((r) => withUrl(r, app.prefix)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/recordings/:id',
    {
      schema: {
        summary: 'One stored recording',
        tags: ['recordings'],
        params: idParamsSchema,
        response: { 200: { $ref: 'Recording#' }, 400: { $ref: 'Error#' }, 404: { $ref: 'Error#' } },
      },
    },
    async (request) => {
      const rec = store.get(request.params.id);
      if (!rec) throw notFound(request.params.id);
      return withUrl(rec, app.prefix);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/recordings/:id/audio',
    {
      schema: {
        summary: 'The original audio bytes of a recording, with its MIME type',
        tags: ['recordings'],
        params: idParamsSchema,
        response: {
          200: { description: 'The audio file as uploaded', type: 'string', format: 'binary' },
          400: { $ref: 'Error#' },
          404: { $ref: 'Error#' },
        },
      },
    },
    async (request, reply) => {
      const audio = store.audio(request.params.id);
      if (!audio) throw notFound(request.params.id);
      reply.header('content-type', audio.mimeType);
      return reply.sendFile(audio.path.slice(store.audioDir.length + 1), { contentType: false });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/recordings/:id',
    {
      schema: {
        summary: 'Delete a recording and its audio file',
        tags: ['recordings'],
        params: idParamsSchema,
        response: { 204: { type: 'null' }, 400: { $ref: 'Error#' }, 404: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      if (!store.delete(request.params.id)) throw notFound(request.params.id);
      return reply.code(204).send();
    },
  );
};
