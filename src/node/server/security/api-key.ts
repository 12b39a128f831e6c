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
 * A browser's WebSocket cannot send an Authorization header, so GET /api/stream also accepts the
 * key as a subprotocol: `new WebSocket(url, ['emovox', 'emovox.key.' + hex(utf8(KEY))])`; the
 * server answers with the plain `emovox` protocol, so the key is never echoed back.
 */
export const WS_PROTOCOL = 'emovox';
export const WS_KEY_PROTOCOL_PREFIX = 'emovox.key.';

/** The key carried in a `Sec-WebSocket-Protocol` header (see WS_KEY_PROTOCOL_PREFIX), or null. */
export function webSocketKey(header: string | string[] | undefined): string | null {
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  for (const p of list.map((s) => s.trim())) {
    if (p.startsWith(WS_KEY_PROTOCOL_PREFIX)) {
      const hex = p.slice(WS_KEY_PROTOCOL_PREFIX.length);
      if (/^(?:[0-9a-f]{2})+$/i.test(hex)) return Buffer.from(hex, 'hex').toString('utf8');
    }
  }
  return null;
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
    if (!isApiUrl(request.url, prefix)) return;
    const token =
      bearerToken(request.headers.authorization) ?? webSocketKey(request.headers['sec-websocket-protocol']);
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
              ? 'this server needs an API key: send the header "Authorization: Bearer KEY" ' +
                '(WebSocket clients: or the subprotocol emovox.key.<the key as hex>)'
              : 'wrong API key',
        },
      });
  });
}
