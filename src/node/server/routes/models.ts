import type { FastifyPluginAsync } from 'fastify';
import { emojiFor } from '../../../core/labels.js';
import type { ModelContext } from '../model-context.js';
import type { ModelSet } from '../model-set.js';

const anyObject = { type: 'object', additionalProperties: true } as const;

/** Schema `ModelInfo`: one served bundle, from its manifest and bundle-summary.ts. */
export const modelInfoSchema = {
  $id: 'ModelInfo',
  type: 'object',
  required: [
    'id',
    'title',
    'kind',
    'modelName',
    'labels',
    'emojis',
    'metrics',
    'card',
    'history',
    'bundleUrl',
  ],
  properties: {
    id: { type: 'string', description: 'Name to pass as `model` (the bundle folder name)' },
    title: { type: 'string', description: 'Languages and label count, e.g. "German + English, 6 emotions"' },
    kind: { type: 'string', enum: ['deep', 'classical', 'ensemble'] },
    languages: { type: 'array', items: { type: 'string' } },
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
    members: {
      type: 'array',
      description: 'Ensemble members (empty for other kinds)',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          weight: { type: 'number' },
          kind: { type: 'string' },
          modelName: { type: 'string' },
          metrics: anyObject,
        },
      },
    },
    speakerAdaptation: {
      type: ['object', 'null'],
      description: 'null when the model never adapts to a speaker',
      properties: { minSpeakerUtterances: { type: 'integer' } },
    },
    bundleUrl: {
      type: ['string', 'null'],
      description: 'Where the bundle files are served for in-page inference',
    },
    limits: {
      type: 'object',
      properties: { minDurationSec: { type: 'number' }, maxDurationSec: { type: 'number' } },
    },
  },
} as const;

export function modelInfo(model: ModelContext) {
  const m = model.predictor.manifest as typeof model.predictor.manifest & Record<string, unknown>;
  const s = model.summary;
  return {
    id: model.id,
    title: s.title,
    kind: s.kind,
    languages: s.languages,
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
    input: m.input ?? undefined,
    modelConfig: m.modelConfig,
    members: s.members,
    speakerAdaptation:
      s.minSpeakerUtterances === null ? null : { minSpeakerUtterances: s.minSpeakerUtterances },
    bundleUrl: model.bundleUrl,
    limits: { minDurationSec: model.minDurationSec, maxDurationSec: model.maxDurationSec },
  };
}

/** GET /api/models (every served bundle, the default first) and GET /api/models/:id. */
export const modelRoutes: FastifyPluginAsync<{ models: ModelSet }> = async (app, { models }) => {
  app.addSchema(modelInfoSchema);
  app.get(
    '/api/models',
    {
      schema: {
        summary: 'The models the server answers with',
        description:
          'Each served bundle with fields of its manifest (emovox.json). `default` names the model used when a ' +
          'request names none. `bundleUrl`, when not null, serves the bundle files for in-browser inference.',
        tags: ['models'],
        response: {
          200: {
            type: 'object',
            required: ['default', 'models'],
            properties: {
              default: { type: 'string' },
              models: { type: 'array', items: { $ref: 'ModelInfo#' } },
            },
          },
        },
      },
    },
    async () => ({ default: models.default.id, models: models.all.map(modelInfo) }),
  );
  app.get<{ Params: { id: string } }>(
    '/api/models/:id',
    {
      schema: {
        summary: 'One served model',
        tags: ['models'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        response: { 200: { $ref: 'ModelInfo#' }, 404: { $ref: 'Error#' } },
      },
    },
    async (request) => modelInfo(models.get(request.params.id)),
  );
};
