import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingStore } from '../store/recordings.js';
import { RAW_AUDIO_TYPES } from './audio-upload.js';
import { summariseBundle } from './bundle-summary.js';
import { makeErrorHandler } from './errors.js';
import { classifyBytes, classifySamples, NO_SPEAKER } from './inference.js';
import { InferencePool } from './inference-pool.js';
import type { ModelContext, ServerPredictor } from './model-context.js';
import { checkModelIds, ModelSet } from './model-set.js';
import { healthRoutes } from './routes/health.js';
import { modelRoutes } from './routes/models.js';
import { predictRoutes } from './routes/predict.js';
import { recordingRoutes } from './routes/recordings.js';
import { speakerRoutes } from './routes/speakers.js';
import { checkRetentionDays, scheduleRetention } from './retention.js';
import { checkApiKey, requireApiKey } from './security/api-key.js';
import { allowOrigins, checkOrigins, securityHeaders } from './security/headers.js';
import { limitRate, type RateLimit } from './security/rate-limit.js';
import { streamRoutes } from './routes/stream.js';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './stream/session.js';
import { AUDIO_UPLOAD_ROUTES, audioRequestBody, predictResponseSchema, SHARED_SCHEMAS } from './schemas.js';

/** The built web page: web/dist at the package root (same relative path from src/ and dist/). */
export const DEFAULT_WEB_ROOT = resolve(fileURLToPath(new URL('../../../web/dist', import.meta.url)));

/** One model to serve. */
export interface ServedModel {
  /** Name in answers, URLs and stored rows (usually the bundle folder's name). */
  id: string;
  predictor: ServerPredictor;
  /** The bundle folder: served read-only at /model/<id>/ for in-browser inference, and loaded by workers. */
  dir?: string | null;
}

export interface AppOptions {
  /** The models to answer with; the first is the default. Or give one with predictor/modelId/modelDir. */
  models?: ServedModel[];
  predictor?: ServerPredictor;
  /** Folder for the SQLite database and the audio files (created if missing). */
  dataDir: string;
  /** With `predictor`: name of the model in answers and stored rows (default: the bundle folder's name, else the manifest's modelName). */
  modelId?: string;
  /** With `predictor`: its bundle folder; null to not serve it. */
  modelDir?: string | null;
  /** Largest accepted upload, in bytes (413 above). */
  maxUploadBytes?: number;
  /** Longest accepted audio, in seconds (413 above). */
  maxDurationSec?: number;
  /** Shortest accepted audio, in seconds (422 below). */
  minDurationSec?: number;
  /** The built web page served at /, if that folder has an index.html; null to serve no page. */
  webRoot?: string | null;
  /**
   * Worker threads that decode and classify (each loads every bundle from its folder); 0 runs
   * inference on the HTTP thread with the given predictors.
   */
  workers?: number;
  /** tfjs backend of the workers. */
  backend?: 'wasm' | 'cpu';
  /** Fastify logger (off by default; `serve --log` turns it on). */
  logger?: boolean;
  /** When set, every /api request must send `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string | null;
  /** API requests per client and window (429 above); null (the default here) is no limit. `serve` and createServer default to 120/min. */
  rateLimit?: RateLimit | null;
  /** Origins whose pages may call the API (CORS); none by default. */
  corsOrigins?: string[];
  /** Security headers and the page's content security policy (default on). */
  securityHeaders?: boolean;
  /** Delete recordings older than this many days, at start and hourly; null keeps them. */
  retentionDays?: number | null;
  /** Limits of GET /api/stream (concurrent streams, length, pace; see stream/session.ts). */
  stream?: Partial<StreamLimits>;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_DURATION_SEC = 120;
export const DEFAULT_MIN_DURATION_SEC = 0.25;

/** The models of the options: `models`, or the single `predictor`. */
function servedModels(o: AppOptions): ServedModel[] {
  if (o.models && o.models.length > 0) return o.models;
  if (!o.predictor) throw new Error('buildApp: give `models` or `predictor`');
  const dir = o.modelDir ?? null;
  const id = o.modelId ?? (dir ? basename(resolve(dir)) : o.predictor.manifest.modelName);
  return [{ id, predictor: o.predictor, dir }];
}

/** URL prefix where a model's bundle files are served. */
export function bundlePrefix(id: string): string {
  return `/model/${id}/`;
}

/**
 * Emovox as a Fastify plugin: REST API under <prefix>/api (OpenAPI at /api/openapi.json), each
 * bundle at <prefix>/model/<id>/ and the web page at <prefix>/. Register it into an app of your
 * own with `app.register(emovoxPlugin, { prefix: '/emotion', ...options })`; closing that app
 * closes the database and the worker threads.
 */
export const emovoxPlugin: FastifyPluginAsync<AppOptions> = async (app, options) => {
  const {
    maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES,
    maxDurationSec = DEFAULT_MAX_DURATION_SEC,
    minDurationSec = DEFAULT_MIN_DURATION_SEC,
    webRoot = DEFAULT_WEB_ROOT,
    workers = 0,
    backend = 'wasm',
    logger = false,
    apiKey = null,
    rateLimit = null,
    corsOrigins = [],
    retentionDays = null,
    dataDir,
  } = options;
  // Refuse bad security options before anything is opened or started.
  if (apiKey) checkApiKey(apiKey);
  if (corsOrigins.length > 0) checkOrigins(corsOrigins);
  if (retentionDays !== null) checkRetentionDays(retentionDays);
  const served = servedModels(options);
  if (workers > 0 && served.some((m) => !m.dir))
    throw new Error('buildApp: workers need the bundle folder of every model (each worker loads them)');
  checkModelIds(served.map((m) => m.id));
  const limits = { maxDurationSec, minDurationSec };
  const pool =
    workers > 0
      ? await InferencePool.start(
          { models: served.map((m) => ({ id: m.id, dir: resolve(m.dir!) })), backend, ...limits },
          workers,
        )
      : null;
  const models = new ModelSet(
    served.map((m): ModelContext => {
      const dir = m.dir ? resolve(m.dir) : null;
      const publish = dir !== null && existsSync(join(dir, 'emovox.json'));
      const summary = summariseBundle(m.predictor.manifest as Record<string, unknown>, dir);
      // The predictor, when it says, is the authority on adaptation; the manifests give the rest.
      const { usesDescriptors, minSpeakerUtterances } = m.predictor;
      if (usesDescriptors === false) summary.descriptorKind = null;
      if (usesDescriptors === true) summary.descriptorKind ??= `model-${m.id}`;
      if (minSpeakerUtterances !== undefined)
        summary.minSpeakerUtterances =
          usesDescriptors && minSpeakerUtterances > 0 ? minSpeakerUtterances : null;
      return {
        id: m.id,
        predictor: m.predictor,
        summary,
        bundleUrl: publish ? app.prefix + bundlePrefix(m.id) : null,
        ...limits,
        classify: pool
          ? (bytes, request = NO_SPEAKER) => pool.classify(m.id, bytes, request)
          : (bytes, request) => classifyBytes(bytes, m.predictor, limits, request),
        busy: () => (pool ? pool.pendingCount >= pool.size : false),
        classifySamples: pool
          ? (samples, request = NO_SPEAKER) => pool.classifySamples(m.id, samples, request)
          : (samples, request) => classifySamples(samples, m.predictor, request),
      };
    }),
  );
  const store = RecordingStore.open(dataDir);
  app.addHook('onClose', async () => {
    store.close();
    await pool?.close();
  });
  if (options.securityHeaders !== false) await securityHeaders(app);
  if (corsOrigins.length > 0) await allowOrigins(app, corsOrigins);
  // The limiter first: it hooks the routes registered after it, and runs before the key check.
  if (rateLimit) await limitRate(app, rateLimit);
  if (apiKey) requireApiKey(app, apiKey);
  if (retentionDays !== null) scheduleRetention(app, store, retentionDays);
  app.setErrorHandler(makeErrorHandler(maxUploadBytes, logger));
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` } }),
  );

  for (const s of [...SHARED_SCHEMAS, predictResponseSchema]) app.addSchema(s);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Emovox API',
        version: '1.0.0',
        description:
          'Speech emotion recognition: classify audio clips, store recordings and their predictions.',
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // Binary upload bodies have no Fastify body schema; describe them in the document instead.
    transformObject: (doc) => {
      if (!('openapiObject' in doc)) return doc.swaggerObject;
      const paths = (doc.openapiObject.paths ?? {}) as Record<string, { post?: Record<string, unknown> }>;
      for (const path of AUDIO_UPLOAD_ROUTES) {
        const post = paths[app.prefix + path]?.post;
        if (post) post.requestBody = structuredClone(audioRequestBody);
      }
      return doc.openapiObject;
    },
  });

  for (const type of RAW_AUDIO_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) =>
      done(null, body),
    );
  }
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxUploadBytes, files: 1, fields: 10, parts: 12 },
  });

  await app.register(predictRoutes, { models, store });
  await app.register(recordingRoutes, { models, store });
  await app.register(modelRoutes, { models });
  await app.register(speakerRoutes, { models, store });
  // WebSocket messages above 1 MiB are refused by the socket (close 1009): send smaller chunks.
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });
  await app.register(streamRoutes, {
    models,
    store,
    limits: { ...DEFAULT_STREAM_LIMITS, ...options.stream },
    apiKey,
  });
  await app.register(healthRoutes, { models, store });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const m of served) {
    const ctx = models.get(m.id);
    if (ctx.bundleUrl && m.dir) {
      await app.register(fastifyStatic, {
        root: resolve(m.dir),
        prefix: bundlePrefix(m.id),
        decorateReply: false,
      });
    }
  }
  if (webRoot && existsSync(join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: resolve(webRoot), prefix: '/', decorateReply: false });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          `Emovox API is running: see ${app.prefix}/api/openapi.json.\n` +
            `The web page is not built${webRoot ? ` (no ${join(webRoot, 'index.html')})` : ''}; run npm run build.\n`,
        ),
    );
  }
};

/**
 * The Emovox HTTP server (a Fastify instance, not yet listening): emovoxPlugin at the root.
 * Call `app.listen()` to serve and `app.close()` to stop; closing also closes the database.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  });
  // Run in the root context (not encapsulated), so routes added to `app` later share its parsers.
  await emovoxPlugin.call(app, app, options);
  return app;
}
