/**
 * Every HTTP failure leaves as `{"error": {"code", "message", "requestId"}}`
 * with a status from the code registry: Sentio's own errors as they are,
 * Fastify's (body too large, bad media type, bad content length) and Node's
 * connection-level ones (malformed HTTP, slow-loris timeouts, huge headers)
 * translated to SERVE_* codes. Unexpected errors are logged in full and
 * answered with a bare INTERNAL: no stack or path leaks to the client.
 * @module
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, hasCode, SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import type { ServeMetrics } from '../metrics.js';

const FASTIFY_CODES: Record<string, [string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['SERVE_BODY_TOO_LARGE', 'the request body is larger than the limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'SERVE_UNSUPPORTED_MEDIA_TYPE',
    'send the body as application/json',
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'SERVE_BAD_HTTP_REQUEST',
    'the Content-Length header does not match the body',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['SERVE_INVALID_JSON', 'the JSON body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['SERVE_INVALID_JSON', 'the body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_TYPE: ['SERVE_UNSUPPORTED_MEDIA_TYPE', 'invalid Content-Type header'],
  FST_ERR_BAD_URL: ['SERVE_BAD_HTTP_REQUEST', 'the URL is malformed'],
  FST_ERR_MAX_PARAM_LENGTH: [
    'SERVE_BAD_HTTP_REQUEST',
    'a path segment is longer than 256 characters',
  ],
  FST_ERR_ASYNC_CONSTRAINT: ['SERVE_BAD_HTTP_REQUEST', 'the request could not be routed'],
};

/** A Sentio error for anything thrown while handling a request. */
export function toSentioError(err: unknown, limits?: { maxBodyBytes: number }): SentioError {
  if (err instanceof SentioError && err.code in ERROR_CODES) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code in FASTIFY_CODES) {
    const [c, m] = FASTIFY_CODES[code] as [string, string];
    const msg = c === 'SERVE_BODY_TOO_LARGE' && limits ? `${m} (${limits.maxBodyBytes} bytes)` : m;
    return new SentioError(c, msg);
  }
  const status = (err as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new SentioError('SERVE_BAD_HTTP_REQUEST', 'the request is malformed');
  }
  return new SentioError('INTERNAL', 'internal server error');
}

/** Feedback errors name the field or list the unknown ids (nothing about the server). */
const PUBLIC_MONITOR_DETAILS: ReadonlySet<string> = new Set([
  'MONITOR_FEEDBACK_INVALID',
  'MONITOR_UNKNOWN_PREDICTION',
]);

/**
 * Deployment errors carry their details (a refused promotion's gate
 * results, the field a bad option names): they answer admin routes only.
 */
function publicDetails(e: SentioError): Record<string, unknown> | undefined {
  const code = String(e.code);
  return code.startsWith('DEPLOY_') || PUBLIC_MONITOR_DETAILS.has(code) ? e.details : undefined;
}

export function errorBody(e: SentioError, requestId?: string): string {
  const details = publicDetails(e);
  return JSON.stringify({
    error: {
      code: e.code,
      message: e.message,
      ...(requestId ? { requestId } : {}),
      ...(details !== undefined ? { details } : {}),
    },
  });
}

export function sendError(reply: FastifyReply, e: SentioError, ctx: ServerContext): FastifyReply {
  ctx.metrics.error(String(e.code), 'http');
  return reply
    .code(e.httpStatus)
    .type('application/json; charset=utf-8')
    .send(errorBody(e, reply.request.id));
}

export function installErrorHandlers(app: FastifyInstance, ctx: ServerContext): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = toSentioError(err, ctx.options.limits);
    if (e.code === 'INTERNAL') req.log.error({ err }, 'unexpected error');
    else if (e.httpStatus >= 500) req.log.error({ err, code: e.code }, e.message);
    else if (!hasCode(err) || !(err instanceof SentioError)) req.log.debug({ err }, e.message);
    return sendError(reply, e, ctx);
  });
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.length > 200 ? `${req.url.slice(0, 200)}…` : req.url;
    return sendError(
      reply,
      new SentioError('SERVE_ROUTE_NOT_FOUND', `no route ${req.method} ${url} (see /openapi.json)`),
      ctx,
    );
  });
}

/** Node's `clientError`: the request never reached a route (bad HTTP, timeouts, header overflow). */
export function makeClientErrorHandler(metrics: ServeMetrics) {
  return function clientErrorHandler(
    this: FastifyInstance,
    err: NodeJS.ErrnoException,
    socket: Socket,
  ): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let reason = 'Bad Request';
    let e: SentioError;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      reason = 'Request Timeout';
      e = new SentioError('SERVE_REQUEST_TIMEOUT', 'the request was not received in time');
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      reason = 'Request Header Fields Too Large';
      e = new SentioError('SERVE_BAD_HTTP_REQUEST', 'the request headers are too large');
    } else {
      e = new SentioError('SERVE_BAD_HTTP_REQUEST', 'the request is not valid HTTP');
    }
    metrics.error(String(e.code), 'http');
    this.log.debug({ err, code: e.code }, 'client error');
    const body = errorBody(e);
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      // A peer that never reads must not hold the socket open.
      setTimeout(() => socket.destroy(), 2000).unref();
    } else {
      socket.destroy();
    }
  };
}
