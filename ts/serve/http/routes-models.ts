/**
 * `GET /v1/models` and `GET /v1/models/{name}`: what is served, from which
 * version and alias, since when, and the state of any swap in progress.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import type { ModelSlot } from '../model-slot.js';

export function describeModel(name: string, slots: readonly ModelSlot[]): Record<string, unknown> {
  const first = slots[0]?.current ?? null;
  return {
    name,
    classes: first?.classes ?? null,
    served: slots.map((s) => s.describe()),
  };
}

export function registerModelRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/v1/models', async (req) => {
    ctx.auth.checkApiKey(req.headers);
    return {
      models: ctx.catalog.names.map((n) => describeModel(n, ctx.catalog.slotsOf(n) ?? [])),
    };
  });
  app.get<{ Params: { name: string } }>('/v1/models/:name', async (req) => {
    ctx.auth.checkApiKey(req.headers);
    const slots = ctx.catalog.slotsOf(req.params.name);
    if (slots === undefined) {
      throw new SentioError(
        'SERVE_MODEL_NOT_FOUND',
        `model "${req.params.name.slice(0, 128)}" is not served here (served: ${ctx.catalog.names.join(', ') || 'none'})`,
      );
    }
    return describeModel(req.params.name, slots);
  });
}
