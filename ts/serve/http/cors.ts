/**
 * CORS, off unless origins are configured (`--cors ORIGIN`, repeatable, or
 * `*`). Only listed origins are echoed back; preflights are answered for the
 * API's methods and headers and cached for 10 minutes.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const ALLOW_METHODS = 'GET, POST, OPTIONS';
const ALLOW_HEADERS = 'Content-Type, Authorization, X-API-Key, X-Request-Id';

export function allowedOrigin(
  origins: readonly string[],
  origin: string | undefined,
): string | null {
  if (origin === undefined || origins.length === 0) return null;
  if (origins.includes('*')) return '*';
  return origins.includes(origin) ? origin : null;
}

export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    const allowed = allowedOrigin(origins, req.headers.origin);
    if (allowed !== null) {
      reply.header('access-control-allow-origin', allowed);
      if (allowed !== '*') reply.header('vary', 'Origin');
      reply.header('access-control-expose-headers', 'X-Request-Id');
    }
    done();
  });
  app.options('/*', (req, reply) => {
    const allowed = allowedOrigin(origins, req.headers.origin);
    if (allowed === null) return reply.code(204).send();
    return reply
      .code(204)
      .header('access-control-allow-methods', ALLOW_METHODS)
      .header('access-control-allow-headers', ALLOW_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  });
}
