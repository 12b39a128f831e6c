/**
 * The library's server: createServer() gives a Fastify instance serving models given as
 * EmotionModel objects, bundled names or folders (default: the bundled default model);
 * emovoxServer is the same as a plugin to register into an app of your own under a prefix.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { resolve } from 'node:path';
import { loadModel, type EmotionModel } from './model.js';
import { buildApp, emovoxPlugin, type AppOptions } from './server/app.js';
import { DEFAULT_RATE_LIMIT } from './server/security/rate-limit.js';

export interface ServerOptions extends Omit<
  AppOptions,
  'models' | 'predictor' | 'modelId' | 'modelDir' | 'dataDir'
> {
  /** The models to serve, the first is the default: loaded models, bundled names or bundle folders (default: the bundled default). */
  models?: (EmotionModel | string)[];
  /** Folder for the recordings database and audio files (default: .emovox-data in the working directory). */
  dataDir?: string;
}

/** Where createServer keeps recordings unless told. */
export const DEFAULT_DATA_DIR = '.emovox-data';

async function appOptions(options: ServerOptions): Promise<AppOptions> {
  const given = options.models && options.models.length > 0 ? options.models : [undefined];
  const models = [];
  for (const m of given) {
    const model = typeof m === 'object' ? m : await loadModel(m, { backend: options.backend });
    models.push({ id: model.id, predictor: model.predictor, dir: model.dir });
  }
  return {
    workers: 0,
    rateLimit: DEFAULT_RATE_LIMIT,
    ...options,
    models,
    dataDir: resolve(options.dataDir ?? DEFAULT_DATA_DIR),
  };
}

/**
 * A Fastify instance (not listening) with the Emovox API, bundle files and web page. Call
 * `listen({ port, host })` to serve and `close()` to stop (it also closes the database).
 */
export async function createServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  return buildApp(await appOptions(options));
}

/**
 * Emovox as a plugin: `app.register(emovoxServer, { prefix: '/emotion', ...options })` serves
 * the API at /emotion/api/... and the page at /emotion/ (with the trailing slash).
 */
export const emovoxServer: FastifyPluginAsync<ServerOptions> = async (app, options) => {
  await emovoxPlugin(app, await appOptions(options));
};
