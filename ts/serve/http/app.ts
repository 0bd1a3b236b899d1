/**
 * The Fastify application: logger (pino JSON lines, request ids), timeouts
 * and body limit from the configured limits, the JSON parser, error
 * translation, CORS, and the routes. The WebSocket endpoint is attached to
 * the same HTTP server separately (ws/ws-server.ts).
 * @module
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import type { ServeMetrics } from '../metrics.js';
import type { ResolvedServeOptions } from '../options.js';
import { installCors } from './cors.js';
import { registerDocsRoutes } from './docs-page.js';
import {
  errorBody,
  installErrorHandlers,
  makeClientErrorHandler,
  toSentioError,
} from './error-reply.js';
import { installJsonParser } from './json-body.js';
import { registerAdminRoutes } from './routes-admin.js';
import { registerDeployRoutes } from './routes-deploy.js';
import { registerFeedbackRoute } from './routes-feedback.js';
import { registerHealthRoutes } from './routes-health.js';
import { registerMetricsRoute } from './routes-metrics.js';
import { registerModelRoutes } from './routes-models.js';
import { registerMonitorRoute } from './routes-monitor.js';
import { registerPredictRoute } from './routes-predict.js';
import { registerWebApp } from './web-app.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Use the caller's X-Request-Id when it is sane, else a cheap unique one. */
function requestIds(): (req: { headers: Record<string, unknown> }) => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && CLIENT_REQUEST_ID.test(given)) return given;
    n++;
    return `${prefix}-${n.toString(36)}`;
  };
}

/** The Fastify instance with its logger, before routes (the watcher needs the logger first). */
export function createFastify(
  options: ResolvedServeOptions,
  metrics: ServeMetrics,
): FastifyInstance {
  const limits = options.limits;
  const app = Fastify({
    logger: {
      level: options.log.level,
      ...(options.log.stream ? { stream: options.log.stream } : {}),
      base: {
        pid: process.pid,
        ...(options.workerId !== null ? { worker: options.workerId } : {}),
      },
    },
    logController: new LogController({ disableRequestLogging: !options.log.requests }),
    genReqId: requestIds(),
    bodyLimit: limits.maxBodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: 0,
    // Idle keep-alive sockets are closed at shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
    // Requests arriving while we drain get our own 503 (SERVE_SHUTTING_DOWN), see installRoutes.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 256 },
    clientErrorHandler: makeClientErrorHandler(metrics),
    // Errors before routing (a malformed URL): same JSON error shape as everything else.
    frameworkErrors: (err, req, reply) => {
      const e = toSentioError(err, limits);
      metrics.error(String(e.code), 'http');
      (reply as FastifyReply)
        .code(e.httpStatus)
        .type('application/json; charset=utf-8')
        .send(errorBody(e, req.id));
    },
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks request/headers timeouts on this period (default 30 s): make slow-loris bounds tight.
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
      maxHeaderSize: 16 * 1024,
    },
  }) as unknown as FastifyInstance;
  return app;
}

export function installRoutes(app: FastifyInstance, ctx: ServerContext, version: string): void {
  installJsonParser(app, ctx.options.limits.maxBodyBytes);
  installErrorHandlers(app, ctx);
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    reply.header('x-content-type-options', 'nosniff');
    if (ctx.state.draining) {
      reply.header('connection', 'close');
      done(new SentioError('SERVE_SHUTTING_DOWN', 'the server is shutting down'));
      return;
    }
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    ctx.metrics.http(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  installCors(app, ctx.options.cors);
  registerPredictRoute(app, ctx);
  registerFeedbackRoute(app, ctx);
  registerModelRoutes(app, ctx);
  registerMonitorRoute(app, ctx);
  registerHealthRoutes(app, ctx);
  registerMetricsRoute(app, ctx);
  registerAdminRoutes(app, ctx);
  registerDeployRoutes(app, ctx);
  registerDocsRoutes(app, ctx, version);
  registerWebApp(app, ctx, version);
}
