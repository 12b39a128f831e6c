import type { FastifyPluginAsync } from 'fastify';
import { readAudioUpload } from '../audio-upload.js';
import type { ModelContext } from '../model-context.js';
import { uploadErrorResponses } from '../schemas.js';

/** POST /api/predict: classify an uploaded clip; nothing is stored. */
export const predictRoutes: FastifyPluginAsync<{ model: ModelContext }> = async (app, { model }) => {
  app.post(
    '/api/predict',
    {
      schema: {
        summary: 'Classify the emotion of an audio clip (nothing is stored)',
        description:
          'Body: multipart/form-data with the file in field "file", or the raw audio with Content-Type audio/* ' +
          'or application/octet-stream.',
        tags: ['predict'],
        querystring: { type: 'object', properties: {}, additionalProperties: false },
        response: { 200: { $ref: 'PredictResponse#' }, ...uploadErrorResponses },
      },
    },
    async (request) => {
      const upload = await readAudioUpload(request);
      const { prediction, durationSec } = await model.classify(upload.bytes);
      return { ...prediction, durationSec, modelId: model.id };
    },
  );
};
