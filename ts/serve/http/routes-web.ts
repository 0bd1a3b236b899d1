/**
 * The web app (playground and dashboard) at `/`, from web/dist: the page
 * with its CSP, Vite's hashed assets with a one-year immutable cache, the
 * service worker (offline shell) revalidated on each load, gzip when the
 * client takes it, and 304s for matching ETags. `GET /` asked for JSON
 * (`Accept: application/json`), or on a server whose app was not built,
 * answers the service index it always did.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { DOCS_PATH } from './openapi.js';
import { EVENTS_PATH } from './routes-events.js';
import { type WebFile, WebFiles, webDistDir } from './web-files.js';
import { cacheControlOf, webPageHeaders } from './web-headers.js';

function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

function acceptsGzip(header: string | undefined): boolean {
  return (
    header !== undefined && /\bgzip\b/i.test(header) && !/\bgzip\s*;\s*q=0(\.0*)?\b/i.test(header)
  );
}

export function sendWebFile(
  web: WebFiles,
  f: WebFile,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (f.type.startsWith('text/html')) webPageHeaders(reply);
  reply
    .header('cache-control', cacheControlOf(f))
    .header('etag', f.etag)
    .header('vary', 'accept-encoding')
    .type(f.type);
  if (req.headers['if-none-match'] === f.etag) return reply.code(304).send();
  const gz = acceptsGzip(req.headers['accept-encoding']) ? web.gzipOf(f) : null;
  if (gz !== null) return reply.header('content-encoding', 'gzip').send(gz);
  return reply.send(f.bytes);
}

export function registerWebRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const web = WebFiles.load();
  if (web === null) {
    ctx.log.debug({ event: 'web_app_missing', dir: webDistDir() }, 'web app not built');
  }
  const index = {
    name: 'sentio',
    app: web !== null ? '/' : `not built: run npm run build:web (looked in ${webDistDir()})`,
    docs: DOCS_PATH,
    openapi: '/openapi.json',
    health: '/healthz',
    ready: '/readyz',
    metrics: '/metrics',
    events: EVENTS_PATH,
  };
  app.get('/', async (req, reply) => {
    const page = web?.get('/index.html');
    if (web === null || page === undefined || wantsJson(req.headers.accept)) return index;
    return sendWebFile(web, page, req, reply);
  });
  if (web === null) return;
  for (const p of web.paths()) {
    if (p === '/index.html') continue;
    const f = web.get(p) as WebFile;
    app.get(p, async (req, reply) => sendWebFile(web, f, req, reply));
  }
}
