/**
 * Security headers (@fastify/helmet) with a content security policy the page runs under, and
 * CORS (@fastify/cors), off unless origins are given.
 *
 * The page needs: its own scripts and styles; WebAssembly compilation for in-page inference
 * ('wasm-unsafe-eval', not 'unsafe-eval'); the microphone's AudioWorklet, loaded from a blob:
 * URL (script-src/worker-src blob:); playback of recordings from blob: URLs (media-src); the
 * favicon as a data: URL; fetches to its own origin only (API, bundle files, .wasm binaries).
 */
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import { EmovoxError } from '../../../core/errors.js';
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY: Record<string, string[] | null> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'media-src': ["'self'", 'blob:'],
  'img-src': ["'self'", 'data:', 'blob:'],
  'style-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  // helmet's default would make browsers fetch every resource over https, which breaks a server
  // reached over plain http on a LAN; TLS belongs to the reverse proxy in front of it.
  'upgrade-insecure-requests': null,
};

/** Microphone for the page itself; nothing else the page does not use. */
export const PERMISSIONS_POLICY = 'microphone=(self), camera=(), geolocation=(), payment=(), usb=()';

/** Adds the security headers to every answer of `app`. */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
  });
}

/** Lets pages of `origins` (e.g. https://app.example.com) call the API from their scripts. */
export async function allowOrigins(app: FastifyInstance, origins: string[]): Promise<void> {
  await app.register(fastifyCors, {
    origin: origins,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });
}

/** Throws unless every origin is scheme://host[:port] (what browsers send in Origin). */
export function checkOrigins(origins: string[]): string[] {
  for (const o of origins) {
    let ok: boolean;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new EmovoxError(
        'BAD_ORIGIN',
        `--cors ${o}: give an origin such as https://app.example.com (scheme, host, optional port; no path)`,
      );
    }
  }
  return origins;
}
