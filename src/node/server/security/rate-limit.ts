/**
 * Per-client rate limiting of the API with @fastify/rate-limit (maintained by the Fastify team;
 * in-memory LRU store per process). Requests beyond the limit get a 429 with the API's JSON
 * error and Retry-After. The page's static files and bundle files are not counted.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import { EmovoxError } from '../../../core/errors.js';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { isApiUrl } from './api-key.js';

export interface RateLimit {
  /** Requests one client (IP address) may make per window. */
  max: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** Default: 120 API requests per minute per client (the live page posts about one clip a second). */
export const DEFAULT_RATE_LIMIT: RateLimit = { max: 120, windowMs: 60_000 };

const UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  min: 60_000,
  m: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
};

/** Reads "N/min" (also N/s, N/h); "0" or "off" turns the limit off (null). */
export function parseRateLimit(text: string): RateLimit | null {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === '0') return null;
  const m = /^(\d+)\s*\/\s*([a-z]+)$/.exec(t);
  const max = m ? Number(m[1]) : NaN;
  const windowMs = m ? UNITS[m[2]] : undefined;
  if (!m || !windowMs || !Number.isSafeInteger(max) || max < 1) {
    throw new EmovoxError(
      'BAD_RATE_LIMIT',
      `rate limit must look like 120/min (or N/s, N/h; "off" for none), got "${text}"`,
    );
  }
  return { max, windowMs };
}

function windowText(ms: number): string {
  if (ms === 60_000) return 'minute';
  if (ms === 1000) return 'second';
  if (ms === 3_600_000) return 'hour';
  return `${ms / 1000} s`;
}

/** Registers the limiter on `app`: it applies to the /api routes registered after this call. */
export async function limitRate(app: FastifyInstance, limit: RateLimit): Promise<void> {
  const prefix = app.prefix;
  await app.register(fastifyRateLimit, {
    global: true,
    max: limit.max,
    timeWindow: limit.windowMs,
    allowList: (request) => !isApiUrl(request.url, prefix),
    errorResponseBuilder: (_request, context) =>
      new HttpError(
        429,
        'RATE_LIMITED',
        `too many requests: this server allows ${context.max} API requests per ${windowText(limit.windowMs)} ` +
          `from one client; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}
