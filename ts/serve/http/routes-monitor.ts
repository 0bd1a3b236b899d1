/**
 * `GET /v1/models/{name}/monitor`: the same JSON as `sentio monitor report
 * NAME --json` (top-level `drift`, each signal with value, threshold and
 * verdict, live performance, the signals over time), for a model served
 * here, over `?window=` (default 1h). The prediction log is written out
 * first so the report includes every prediction answered so far; the report
 * itself is built by the monitoring thread, never on the event loop.
 * Protected by the API key like the other model routes.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import { parseReportQuery } from '../monitoring/report-query.js';

type Req = { Params: { name: string }; Querystring: Record<string, string | string[] | undefined> };

export function registerMonitorRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get<Req>('/v1/models/:name/monitor', async (req) => {
    ctx.auth.checkApiKey(req.headers);
    const name = req.params.name;
    if (ctx.catalog.slotsOf(name) === undefined) {
      throw new SentioError(
        'SERVE_MODEL_NOT_FOUND',
        `model "${name.slice(0, 128)}" is not served here (served: ${ctx.catalog.names.join(', ') || 'none'})`,
      );
    }
    const q = parseReportQuery(req.query);
    await ctx.predictionLog.flush().catch(() => {});
    return ctx.monitoring.report({ model: name, ...q });
  });
}
