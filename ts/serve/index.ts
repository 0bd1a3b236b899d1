/**
 * Sentio's inference server: REST (Fastify) and WebSocket (`ws`) on one
 * port, serving registered models with hot swap on alias moves, micro-
 * batching, limits, API keys, Prometheus metrics and graceful shutdown.
 *
 *   const server = await startServer({ store: './models', models: ['sentiment@production'], port: 8080 });
 *   console.log(server.url, exampleCurl(server.url, 'sentiment'));
 *   await server.close();
 *
 * The only file other modules import from ts/serve.
 * @module
 */
export { hashedKeyLine, parseKeyFile } from './auth.js';
export { announceReady, clusterWorkerId, isClusterWorker, runPrimary } from './cluster.js';
export { exampleCurl } from './example.js';
export { buildOpenApi } from './http/openapi.js';
export { predictBodySchema } from './http/schemas.js';
export { LOG_DEFAULTS, type PredictionLogOptions, parseLogText } from './monitoring/log-options.js';
export {
  ALERT_SECRET_ENV,
  type AlertWebhook,
  type MonitoringOptions,
} from './monitoring/monitor-options.js';
export {
  DEFAULT_LIMITS,
  type LogOptions,
  type ServeLimits,
  type ServeOptions,
} from './options.js';
export { ADMIN_TOKEN_ENV, DEFAULT_HOST, DEFAULT_PORT, resolveLimits } from './resolve-options.js';
export { defaultRefs, type RunningServer, startServer } from './server.js';
export { BUCKETS, bucketOf, fnv1a32 } from './stable-key.js';
export { WS_PATH } from './ws/ws-server.js';
