/**
 * Read-only JSON routes behind the web dashboard, under `/v1/dashboard/`:
 * overview, one model, one version, runs and runs compared, and a model's
 * monitoring. They only read the store (the server's read-only registry
 * connection and monitor.db); every change goes through the admin routes
 * (routes-deploy.ts) with the admin token. API key as the prediction
 * routes. Query parameters are checked; an unknown one is refused.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import type { AlertFeed } from './alert-feed.js';
import { requireApiKey } from './auth-hooks.js';
import { MonitorReader, monitoringView } from './dashboard-monitoring.js';
import { compareRuns, modelView, overview, runsView, versionView } from './dashboard-registry.js';

export const DASHBOARD_PREFIX = '/v1/dashboard';

type Q = Record<string, string | undefined>;

function checkQuery(q: Q, allowed: string[]): Q {
  for (const k of Object.keys(q)) {
    if (!allowed.includes(k)) {
      throw new SentioError(
        'SERVE_INVALID_REQUEST',
        `unknown query parameter "${k.slice(0, 64)}" (expected ${allowed.join(', ') || 'none'})`,
      );
    }
  }
  return q;
}

function intParam(v: string | undefined, name: string, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^[1-9][0-9]{0,8}$/.test(v) || Number(v) > max) {
    throw new SentioError(
      'SERVE_INVALID_REQUEST',
      `${name} must be a whole number from 1 to ${max}`,
    );
  }
  return Number(v);
}

export function registerDashboardRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  alerts: AlertFeed | null,
): void {
  const opts = ctx.auth.apiKeysRequired ? { onRequest: requireApiKey(ctx) } : {};
  const reg = ctx.registry;
  const monitor = new MonitorReader(ctx.options.store);
  app.addHook('onClose', async () => {
    await monitor.close();
  });
  type P = { Params: { name: string; version: string }; Querystring: Q };

  app.get<P>(`${DASHBOARD_PREFIX}/overview`, opts, async (req) => {
    checkQuery(req.query, []);
    return { ...(await overview(reg)), served: ctx.catalog.slots.map((s) => s.describe()) };
  });
  app.get<P>(`${DASHBOARD_PREFIX}/models/:name`, opts, async (req) => {
    checkQuery(req.query, []);
    return modelView(reg, req.params.name);
  });
  app.get<P>(`${DASHBOARD_PREFIX}/models/:name/versions/:version`, opts, async (req) => {
    checkQuery(req.query, []);
    const v = intParam(req.params.version, 'version', 1, 1e9);
    return versionView(reg, req.params.name, v);
  });
  app.get<P>(`${DASHBOARD_PREFIX}/models/:name/monitoring`, opts, async (req) => {
    const q = checkQuery(req.query, ['window', 'points']);
    await ctx.rollouts.flushNow().catch(() => {});
    return monitoringView(reg, monitor, alerts, {
      model: req.params.name,
      window: q.window ?? '1h',
      points: intParam(q.points, 'points', 60, 500),
    });
  });
  app.get<P>(`${DASHBOARD_PREFIX}/runs`, opts, async (req) => {
    const q = checkQuery(req.query, ['experiment', 'model', 'limit']);
    return runsView(reg, {
      ...(q.experiment ? { experiment: q.experiment } : {}),
      ...(q.model ? { model: q.model } : {}),
      limit: intParam(q.limit, 'limit', 200, 1000),
    });
  });
  app.get<P>(`${DASHBOARD_PREFIX}/runs/compare`, opts, async (req) => {
    const q = checkQuery(req.query, ['ids']);
    const ids = (q.ids ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return compareRuns(reg, ids);
  });
}
