/**
 * `POST /v1/models/{name}/predict`: validate, pick the version (once),
 * score, answer with the version that scored. The response also carries it
 * in the `X-Sentio-Model-Version` header for proxies and logs.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { predictAsync } from '../predict.js';
import { validatePredictRequest } from '../validate-request.js';
import { requireApiKey } from './auth-hooks.js';

export function registerPredictRoute(app: FastifyInstance, ctx: ServerContext): void {
  const limits = ctx.options.limits;
  const opts = ctx.auth.apiKeysRequired ? { onRequest: requireApiKey(ctx) } : {};
  app.post<{ Params: { name: string } }>('/v1/models/:name/predict', opts, async (req, reply) => {
    const body = validatePredictRequest(req.body, limits);
    const m = ctx.catalog.select(req.params.name, body);
    const res = await predictAsync(m, body, ctx.predict);
    reply.header('x-sentio-model-version', `${res.model}@${res.version}`);
    return res;
  });
}
