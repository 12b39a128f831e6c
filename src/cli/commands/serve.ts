import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE } from '../../core/bundle.js';
import {
  buildApp,
  DEFAULT_MAX_DURATION_SEC,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_WEB_ROOT,
} from '../../node/server/app.js';
import { EmovoxError } from '../../core/errors.js';
import { checkApiKey } from '../../node/server/security/api-key.js';
import { checkOrigins } from '../../node/server/security/headers.js';
import { DEFAULT_RATE_LIMIT, parseRateLimit, type RateLimit } from '../../node/server/security/rate-limit.js';
import { loadModel, ModelNotFoundError } from '../../index.js';
import { modelSource } from '../model-option.js';
import { DEFAULT_STREAM_LIMITS } from '../../node/server/stream/session.js';

interface ServeOptions {
  port: number;
  host: string;
  data: string;
  model: string[];
  models?: string;
  maxUploadMb: number;
  maxDurationSec: number;
  web: string;
  log: boolean;
  backend: 'wasm' | 'cpu';
  workers: number;
  apiKey?: string;
  insecure: boolean;
  rateLimit: RateLimit | null;
  cors: string[];
  retentionDays?: number;
  maxStreams: number;
  maxStreamSec: number;
}

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1].startsWith('127.');
}

/** Refuses to serve a network address without an API key unless --insecure says so. */
export function checkExposure(opts: Pick<ServeOptions, 'host' | 'apiKey' | 'insecure'>): void {
  if (opts.apiKey || opts.insecure || isLoopbackHost(opts.host)) return;
  throw new EmovoxError(
    'INSECURE_HOST',
    `refusing to serve ${opts.host} without an API key: anyone on the network could list, play and delete the recordings; ` +
      'set --api-key KEY (or EMOVOX_API_KEY), or pass --insecure if that is what you want',
  );
}

/** Inference worker threads by default: one per core, at most 2 (each holds a copy of the model). */
export const DEFAULT_WORKERS = Math.min(2, availableParallelism());

function positiveNumber(name: string, integer = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be a ${integer ? 'whole ' : ''}number >= 0, got "${v}"`);
    }
    return n;
  };
}

function parseRateLimitOption(v: string): RateLimit | null {
  try {
    return parseRateLimit(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positiveDays(v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError(`--retention-days must be a number > 0, got "${v}"`);
  return n;
}

/** Default port: the PORT environment variable, else 8080. */
export function defaultPort(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.PORT);
  return env.PORT && Number.isInteger(n) && n >= 0 && n < 65536 ? n : 8080;
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The bundle folders inside `dir` (sub-folders with an emovox.json), `default` first, then by
 * name; a clear error when there are none.
 */
export function bundleFoldersIn(dir: string): string[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new ModelNotFoundError(`--models ${dir}: no such folder`);
  }
  const found = readdirSync(root)
    .filter((name) => existsSync(join(root, name, MANIFEST_FILE)))
    .sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)));
  if (found.length === 0) {
    throw new ModelNotFoundError(
      `--models ${dir}: no bundle folders in it (a bundle folder holds ${MANIFEST_FILE}); use --model DIR for one bundle`,
    );
  }
  return found.map((name) => join(root, name));
}

/** The bundle folders to serve: every --model, then those found by --models; none given = the default bundle. */
export function modelDirsToServe(opts: Pick<ServeOptions, 'model' | 'models'>): (string | undefined)[] {
  const dirs = [...opts.model, ...(opts.models ? bundleFoldersIn(opts.models) : [])];
  return dirs.length > 0 ? dirs : [undefined];
}

async function run(opts: ServeOptions): Promise<void> {
  checkExposure(opts);
  if (opts.apiKey) checkApiKey(opts.apiKey);
  if (opts.cors.length > 0) checkOrigins(opts.cors);
  const loaded = [];
  for (const dir of modelDirsToServe(opts))
    loaded.push(await loadModel(modelSource(dir), { backend: opts.backend }));
  const app = await buildApp({
    models: loaded.map((m) => ({ id: m.id, predictor: m.predictor, dir: m.dir })),
    dataDir: resolve(opts.data),
    maxUploadBytes: Math.round(opts.maxUploadMb * 1024 * 1024),
    maxDurationSec: opts.maxDurationSec,
    webRoot: opts.web,
    logger: opts.log,
    workers: opts.workers,
    backend: opts.backend,
    apiKey: opts.apiKey ?? null,
    rateLimit: opts.rateLimit,
    corsOrigins: opts.cors,
    retentionDays: opts.retentionDays ?? null,
    stream: { maxStreams: opts.maxStreams, maxStreamSec: opts.maxStreamSec },
  });
  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const names = loaded.map((m) => m.id).join(', ');
  process.stdout.write(
    `Emovox listening on http://${shownHost}:${port} (model${loaded.length > 1 ? 's' : ''}: ${names})\n`,
  );
  if (!opts.apiKey && !isLoopbackHost(opts.host)) {
    process.stderr.write(
      'emovox: warning: --insecure: the API is open to anyone who can reach this address\n',
    );
  }
  const stop = () => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Start the HTTP API and the web page')
    .option(
      '--port <n>',
      'port to listen on (default: $PORT or 8080; 0 picks a free one)',
      positiveNumber('--port', true),
      defaultPort(),
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--data <dir>', 'folder for the recordings database and audio files', '.emovox-data')
    .option(
      '--model <dir>',
      'model bundle folder or bundled name (default, emodb-ravdess); repeat to serve several, the first is the default (default: models/default)',
      collect,
      [],
    )
    .option('--models <dir>', 'serve every bundle folder inside this folder (models/default first)')
    .option(
      '--max-upload-mb <mb>',
      'largest accepted upload in MiB',
      positiveNumber('--max-upload-mb'),
      DEFAULT_MAX_UPLOAD_BYTES / 1048576,
    )
    .option(
      '--max-duration-sec <s>',
      'longest accepted audio in seconds',
      positiveNumber('--max-duration-sec'),
      DEFAULT_MAX_DURATION_SEC,
    )
    .option(
      '--max-streams <n>',
      'GET /api/stream: WebSocket streams open at once',
      positiveNumber('--max-streams', true),
      DEFAULT_STREAM_LIMITS.maxStreams,
    )
    .option(
      '--max-stream-sec <s>',
      'GET /api/stream: longest stream in seconds of audio',
      positiveNumber('--max-stream-sec'),
      DEFAULT_STREAM_LIMITS.maxStreamSec,
    )
    .option('--web <dir>', 'built web page to serve at /', DEFAULT_WEB_ROOT)
    .option(
      '--workers <n>',
      'inference worker threads (0 = classify on the HTTP thread)',
      positiveNumber('--workers', true),
      DEFAULT_WORKERS,
    )
    .option('--log', 'log every request (JSON lines on stdout)', false)
    .addOption(
      new Option(
        '--api-key <key>',
        'require "Authorization: Bearer KEY" on every /api request (the page asks for it once); at least 16 characters',
      ).env('EMOVOX_API_KEY'),
    )
    .option('--insecure', 'allow a non-loopback --host without an API key', false)
    .addOption(
      new Option(
        '--rate-limit <n/min>',
        'API requests per client (IP address), e.g. 120/min, 10/s, 1000/h; "off" for no limit (429 above)',
      )
        .argParser(parseRateLimitOption)
        .default(DEFAULT_RATE_LIMIT, `${DEFAULT_RATE_LIMIT.max}/min`),
    )
    .option(
      '--cors <origin>',
      'let pages of this origin (e.g. https://app.example.com) call the API; repeat for several',
      collect,
      [],
    )
    .option(
      '--retention-days <n>',
      'delete recordings (audio, prediction, speaker descriptors) older than N days, at start and hourly',
      positiveDays,
    )
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .action(async (opts: ServeOptions) => run(opts));
}
