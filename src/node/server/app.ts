import Fastify, { type FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordingStore } from '../store/recordings.js';
import { RAW_AUDIO_TYPES } from './audio-upload.js';
import { makeErrorHandler } from './errors.js';
import { classifyBytes } from './inference.js';
import { InferencePool } from './inference-pool.js';
import type { ModelContext, ServerPredictor } from './model-context.js';
import { healthRoutes } from './routes/health.js';
import { modelRoutes } from './routes/models.js';
import { predictRoutes } from './routes/predict.js';
import { recordingRoutes } from './routes/recordings.js';
import { AUDIO_UPLOAD_ROUTES, audioRequestBody, predictResponseSchema, SHARED_SCHEMAS } from './schemas.js';

/** The built web page: web/dist at the package root (same relative path from src/ and dist/). */
export const DEFAULT_WEB_ROOT = resolve(fileURLToPath(new URL('../../../web/dist', import.meta.url)));

export interface AppOptions {
  predictor: ServerPredictor;
  /** Folder for the SQLite database and the audio files (created if missing). */
  dataDir: string;
  /** Name of the model in answers and stored rows; defaults to the manifest's modelName. */
  modelId?: string;
  /** The bundle folder, served read-only at /model/ for in-browser inference; null to not serve it. */
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
   * Worker threads that decode and classify (each loads the bundle from `modelDir`); 0 runs
   * inference on the HTTP thread with `predictor`.
   */
  workers?: number;
  /** tfjs backend of the workers. */
  backend?: 'wasm' | 'cpu';
  /** Fastify logger (off by default; `serve --log` turns it on). */
  logger?: boolean;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_DURATION_SEC = 120;
export const DEFAULT_MIN_DURATION_SEC = 0.25;

/**
 * The Emovox HTTP server: REST API under /api (OpenAPI at /api/openapi.json), the bundle at
 * /model/ and the web page at /. Call `app.close()` to stop; it also closes the database.
 */
export async function buildApp({
  predictor,
  dataDir,
  modelId = predictor.manifest.modelName,
  modelDir = null,
  maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES,
  maxDurationSec = DEFAULT_MAX_DURATION_SEC,
  minDurationSec = DEFAULT_MIN_DURATION_SEC,
  webRoot = DEFAULT_WEB_ROOT,
  workers = 0,
  backend = 'wasm',
  logger = false,
}: AppOptions): Promise<FastifyInstance> {
  if (workers > 0 && !modelDir)
    throw new Error('buildApp: workers need modelDir (each worker loads the bundle)');
  const limits = { maxDurationSec, minDurationSec };
  const pool =
    workers > 0 && modelDir
      ? await InferencePool.start({ modelDir: resolve(modelDir), backend, ...limits }, workers)
      : null;
  const model: ModelContext = {
    id: modelId,
    predictor,
    ...limits,
    classify: pool ? (bytes) => pool.classify(bytes) : (bytes) => classifyBytes(bytes, predictor, limits),
  };
  const store = RecordingStore.open(dataDir);
  const app = Fastify({ logger, bodyLimit: maxUploadBytes });
  app.addHook('onClose', async () => {
    store.close();
    await pool?.close();
  });
  app.setErrorHandler(makeErrorHandler(maxUploadBytes));
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
        const post = paths[path]?.post;
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

  await app.register(predictRoutes, { model });
  await app.register(recordingRoutes, { model, store });
  const bundleUrl = modelDir && existsSync(join(modelDir, 'emovox.json')) ? '/model/' : null;
  await app.register(modelRoutes, { model, bundleUrl });
  await app.register(healthRoutes, { model, store });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (bundleUrl && modelDir) {
    await app.register(fastifyStatic, { root: resolve(modelDir), prefix: '/model/', decorateReply: false });
  }
  if (webRoot && existsSync(join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, { root: resolve(webRoot), prefix: '/', decorateReply: false });
  } else {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          'Emovox API is running: see /api/openapi.json.\n' +
            `The web page is not built${webRoot ? ` (no ${join(webRoot, 'index.html')})` : ''}; run npm run build.\n`,
        ),
    );
  }
  return app;
}
