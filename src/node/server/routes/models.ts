import type { FastifyPluginAsync } from 'fastify';
import { emojiFor } from '../../../core/labels.js';
import type { ModelContext } from '../model-context.js';

/** GET /api/models: the loaded bundle's description (labels, metrics, card, history...). */
export const modelRoutes: FastifyPluginAsync<{ model: ModelContext; bundleUrl: string | null }> = async (
  app,
  { model, bundleUrl },
) => {
  const anyObject = { type: 'object', additionalProperties: true } as const;
  app.get(
    '/api/models',
    {
      schema: {
        summary: 'The model the server answers with',
        description:
          'Fields of the bundle manifest (emovox.json). `bundleUrl`, when not null, serves the bundle files ' +
          '(emovox.json, model.json, weights) for in-browser inference.',
        tags: ['models'],
        response: {
          200: {
            type: 'object',
            required: ['id', 'modelName', 'labels', 'emojis', 'metrics', 'card', 'history', 'bundleUrl'],
            properties: {
              id: { type: 'string' },
              modelName: { type: 'string' },
              labels: { type: 'array', items: { type: 'string' } },
              emojis: { type: 'object', additionalProperties: { type: 'string' } },
              corpus: { type: 'string' },
              protocol: { type: 'string' },
              createdAt: { type: 'string' },
              card: { type: 'string' },
              metrics: anyObject,
              history: { type: 'array', items: anyObject },
              featureConfig: anyObject,
              input: anyObject,
              modelConfig: anyObject,
              bundleUrl: { type: ['string', 'null'] },
              limits: {
                type: 'object',
                properties: { minDurationSec: { type: 'number' }, maxDurationSec: { type: 'number' } },
              },
            },
          },
        },
      },
    },
    async () => {
      const m = model.predictor.manifest;
      return {
        id: model.id,
        modelName: m.modelName,
        labels: m.labels,
        emojis: Object.fromEntries(m.labels.map((l) => [l, emojiFor(l)])),
        corpus: m.corpus,
        protocol: m.protocol,
        createdAt: m.createdAt,
        card: m.card,
        metrics: m.metrics,
        history: m.history,
        featureConfig: m.featureConfig,
        input: m.input,
        modelConfig: m.modelConfig,
        bundleUrl,
        limits: { minDurationSec: model.minDurationSec, maxDurationSec: model.maxDurationSec },
      };
    },
  );
};
