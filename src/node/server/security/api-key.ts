/**
 * API key: when the server has one, every request under <prefix>/api must carry it as
 * `Authorization: Bearer KEY`. Keys are compared as SHA-256 digests with
 * crypto.timingSafeEqual (equal lengths whatever the key sent, so the time taken does not
 * reveal how much of it matched).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EmovoxError } from '../../../core/errors.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Shortest API key accepted: a guessable key would make the check decorative. */
export const MIN_API_KEY_LENGTH = 16;

/** Throws unless `key` is long enough and printable (no spaces: it travels in a header). */
export function checkApiKey(key: string): string {
  if (key.length < MIN_API_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new EmovoxError(
      'BAD_API_KEY',
      `the API key must be at least ${MIN_API_KEY_LENGTH} printable characters without spaces ` +
        '(e.g. from: openssl rand -hex 24)',
    );
  }
  return key;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when `given` is `expected`, in time independent of where they differ. */
export function keysMatch(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer TOKEN` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : null;
}

/**
 * The WebSocket stream checks the key itself: a browser cannot set headers on a WebSocket, so
 * it sends the key in its `start` message (or, from Node, as this same Authorization header).
 */
export function isStreamUrl(url: string, prefix: string): boolean {
  return url.split('?')[0] === `${prefix}/api/stream`;
}

/** Whether `url` (path and query) is under `<prefix>/api`. */
export function isApiUrl(url: string, prefix: string): boolean {
  const path = url.split('?')[0];
  const api = `${prefix}/api`;
  return path === api || path.startsWith(`${api}/`);
}

/**
 * Adds the check to `app` (and everything registered in it, later routes included). It runs as
 * a preParsing hook: after the rate limiter's onRequest hook (so guessing keys is rate limited)
 * and before any request body is read.
 */
export function requireApiKey(app: FastifyInstance, apiKey: string): void {
  const expected = checkApiKey(apiKey);
  const prefix = app.prefix;
  app.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isApiUrl(request.url, prefix) || isStreamUrl(request.url, prefix)) return;
    const token = bearerToken(request.headers.authorization);
    if (token !== null && keysMatch(token, expected)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="emovox"')
      .type('application/json; charset=utf-8')
      .send({
        error: {
          code: 'UNAUTHORIZED',
          message:
            token === null
              ? 'this server needs an API key: send the header "Authorization: Bearer KEY"'
              : 'wrong API key',
        },
      });
  });
}
