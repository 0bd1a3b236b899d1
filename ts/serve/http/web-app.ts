/**
 * Everything the web app (web/: playground and dashboard) needs from the
 * server, registered in one call from app.ts: the built app at `/`, model
 * files for in-browser prediction, the live event stream and the
 * dashboard's read routes. They share one read-only view of the alert
 * tables, closed with the server.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { AlertFeed } from './alert-feed.js';
import { registerArtifactRoutes } from './routes-artifact.js';
import { registerDashboardRoutes } from './routes-dashboard.js';
import { registerEventRoutes } from './routes-events.js';
import { registerWebRoutes } from './routes-web.js';

export function registerWebApp(app: FastifyInstance, ctx: ServerContext, version: string): void {
  const alerts = new AlertFeed(ctx.options.store);
  app.addHook('onClose', (_app, done) => {
    alerts.close();
    done();
  });
  registerWebRoutes(app, ctx);
  registerArtifactRoutes(app, ctx);
  registerEventRoutes(app, ctx, alerts, version);
  registerDashboardRoutes(app, ctx, alerts);
}
