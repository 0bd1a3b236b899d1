/**
 * `POST /v1/models/{name}/predict`: validate, pick the version (once),
 * score, answer with the version that scored. The response also carries it
 * in the `X-Sentio-Model-Version` header for proxies and logs, and the arm
 * (`stable` or `canary`) in `X-Sentio-Arm`. The canary routing key is the
 * `X-Sentio-Key` header when given, else the (first) text.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { predictRoutedAsync } from '../routed-predict.js';
import { checkRoutingKey, validatePredictRequest } from '../validate-request.js';
import { requireApiKey } from './auth-hooks.js';

export const KEY_HEADER = 'x-sentio-key';

export function registerPredictRoute(app: FastifyInstance, ctx: ServerContext): void {
  const limits = ctx.options.limits;
  const opts = ctx.auth.apiKeysRequired ? { onRequest: requireApiKey(ctx) } : {};
  app.post<{ Params: { name: string } }>('/v1/models/:name/predict', opts, async (req, reply) => {
    const body = validatePredictRequest(req.body, limits);
    const header = req.headers[KEY_HEADER];
    const key =
      header !== undefined ? checkRoutingKey(header, 'the X-Sentio-Key header') : undefined;
    const routed = ctx.catalog.route(
      req.params.name,
      body,
      key ?? body.text ?? (body.texts?.[0] as string),
    );
    const res = await predictRoutedAsync(routed, body, ctx.predict);
    reply.header('x-sentio-model-version', `${res.model}@${res.version}`);
    if (res.arm !== undefined) reply.header('x-sentio-arm', res.arm);
    return res;
  });
}
