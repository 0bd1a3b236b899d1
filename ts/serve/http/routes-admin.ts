/**
 * Admin routes: always behind the admin token (--admin-token-file or
 * SENTIO_ADMIN_TOKEN; with none configured they answer 403).
 * `POST /v1/admin/reload`: check the registry now, retry versions that failed
 * before, wait for the loads, and report every served reference.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { requireAdmin } from './auth-hooks.js';

export function registerAdminRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/admin/reload', { onRequest: requireAdmin(ctx) }, async (req) => {
    req.log.info({ event: 'admin_reload' }, 'reload requested');
    await ctx.watcher.reload();
    return { models: ctx.catalog.slots.map((s) => s.describe()) };
  });
}
