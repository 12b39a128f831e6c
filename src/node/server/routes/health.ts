import type { FastifyPluginAsync } from 'fastify';
import type { RecordingStore } from '../../store/recordings.js';
import type { ModelContext } from '../model-context.js';

/** GET /api/health: 200 when the model is loaded and the database answers. */
export const healthRoutes: FastifyPluginAsync<{ model: ModelContext; store: RecordingStore }> = async (
  app,
  { model, store },
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
            required: ['status', 'model', 'recordings', 'uptimeSec'],
            properties: {
              status: { type: 'string', enum: ['ok'] },
              model: { type: 'string' },
              recordings: { type: 'integer' },
              uptimeSec: { type: 'number' },
            },
          },
        },
      },
    },
    async () => ({
      status: 'ok',
      model: model.id,
      recordings: store.list(1, 1).total,
      uptimeSec: (Date.now() - started) / 1000,
    }),
  );
};
