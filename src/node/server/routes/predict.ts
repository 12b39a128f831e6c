import type { FastifyPluginAsync } from 'fastify';
import type { RecordingStore } from '../../store/recordings.js';
import { readAudioUpload } from '../audio-upload.js';
import type { ModelSet } from '../model-set.js';
import { speakerOption, uploadOption, uploadOptionsQuery } from '../request-options.js';
import { uploadErrorResponses } from '../schemas.js';
import { classifyForSpeaker } from '../speaker-adaptation.js';

/** POST /api/predict: classify an uploaded clip (with a speaker's profile when named); nothing is stored. */
export const predictRoutes: FastifyPluginAsync<{ models: ModelSet; store: RecordingStore }> = async (
  app,
  { models, store },
) => {
  app.post<{ Querystring: Record<string, string> }>(
    '/api/predict',
    {
      schema: {
        summary: 'Classify the emotion of an audio clip (nothing is stored)',
        description:
          'Body: multipart/form-data with the file in field "file" (and optional text fields "speaker", "model"), ' +
          'or the raw audio with Content-Type audio/* or application/octet-stream. With a speaker, their stored ' +
          'recordings form the profile a speaker-adaptive model normalises with; this clip is not stored.',
        tags: ['predict'],
        querystring: { type: 'object', properties: uploadOptionsQuery, additionalProperties: false },
        response: {
          200: { $ref: 'PredictResponse#' },
          ...uploadErrorResponses,
          404: { $ref: 'Error#', description: 'No model of that name (the message lists them)' },
        },
      },
    },
    async (request) => {
      const upload = await readAudioUpload(request);
      const model = models.get(uploadOption(request.query, upload, 'model'));
      const speaker = speakerOption(request.query, upload);
      const { classified, prediction } = await classifyForSpeaker(model, store, upload.bytes, speaker);
      return {
        ...prediction,
        durationSec: classified.durationSec,
        speechSec: classified.speechSec,
        modelId: model.id,
      };
    },
  );
};
