import type { FastifyPluginAsync } from 'fastify';
import type { RecordingStore } from '../../store/recordings.js';
import type { ModelSet } from '../model-set.js';

/** GET /api/health: 200 when the models are loaded and the database answers. */
export const healthRoutes: FastifyPluginAsync<{ models: ModelSet; store: RecordingStore }> = async (
  app,
  { models, store },
) => {
  const started = Date.now();
  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Liveness and readiness',
        tags: ['health'],
        response: {
          200: {
            type: 'object',
            required: ['status', 'model', 'models', 'recordings', 'uptimeSec'],
            properties: {
              status: { type: 'string', enum: ['ok'] },
              model: { type: 'string', description: 'The default model' },
              models: { type: 'array', items: { type: 'string' } },
              recordings: { type: 'integer' },
              uptimeSec: { type: 'number' },
            },
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      model: models.default.id,
      models: models.ids,
      recordings: store.list(1, 1).total,
      uptimeSec: (Date.now() - started) / 1000,
    }),
  );
};
