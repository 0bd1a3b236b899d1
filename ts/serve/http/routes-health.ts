/**
 * `GET /healthz`: the process answers (liveness). `GET /readyz`: every
 * configured reference has a loaded, verified version and the server is not
 * shutting down (readiness, 503 otherwise), with per-reference details:
 * version, status, last load failure. A failed swap leaves the reference
 * serving its old version: still ready, status "degraded", failure shown.
 * `registry` says how the server follows the registry and whether it can
 * reach it: a lost PostgreSQL connection keeps the server ready (it serves
 * what it has loaded) and shows `connected: false`.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', async () => ({
    status: 'ok',
    pid: process.pid,
    uptimeSeconds: Math.round(process.uptime()),
  }));
  app.get('/readyz', async (_req, reply) => {
    const models = ctx.catalog.slots.map((s) => s.describe());
    const loaded = ctx.catalog.ready;
    const ready = loaded && !ctx.state.draining;
    reply.code(ready ? 200 : 503);
    return {
      ready,
      ...(ready ? {} : { reason: ctx.state.draining ? 'shutting down' : 'models not loaded' }),
      engine: ctx.engineInfo,
      registry: ctx.watcher.registryState(),
      models,
    };
  });
}
