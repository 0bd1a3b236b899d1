/**
 * `POST /v1/feedback`: ground truth for logged predictions, one
 * (`{"prediction_id", "label"}`) or many (`{"items": [...]}`), protected by
 * the API key like the prediction routes. Answers what was joined:
 * `{"joined", "recorded", "updated", "unknown": [ids]}`. Ids the log does not
 * hold (after the logger wrote everything it had and the join was tried
 * once more) are listed; when none of the ids is known the answer is 404
 * MONITOR_UNKNOWN_PREDICTION.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import { validateFeedback } from '../monitoring/feedback-request.js';
import { requireApiKey } from './auth-hooks.js';

export const FEEDBACK_PATH = '/v1/feedback';

function listed(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).map((id) => JSON.stringify(id.slice(0, 64)));
  return `${shown.join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
}

export function registerFeedbackRoute(app: FastifyInstance, ctx: ServerContext): void {
  const opts = ctx.auth.apiKeysRequired ? { onRequest: requireApiKey(ctx) } : {};
  app.post(FEEDBACK_PATH, opts, async (req) => {
    const fb = validateFeedback(req.body, ctx.options.limits.maxBatchTexts);
    const r = await ctx.predictionLog.feedback(fb.items);
    ctx.metrics.feedback(r.recorded, r.updated, r.unknown.length);
    const joined = r.recorded + r.updated;
    if (joined === 0) {
      throw new SentioError(
        'MONITOR_UNKNOWN_PREDICTION',
        fb.single
          ? `no logged prediction has the id ${listed(r.unknown)} (wrong id, not logged because of the sample rate or a full queue, or pruned)`
          : `none of the ${fb.items.length} prediction ids is logged: ${listed(r.unknown)}`,
        { unknown: r.unknown.slice(0, 100) },
      );
    }
    return { joined, recorded: r.recorded, updated: r.updated, unknown: r.unknown };
  });
}
