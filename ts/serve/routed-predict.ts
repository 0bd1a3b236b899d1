/**
 * Answer a routed request (model-catalog.ts `route`) and feed its rollouts:
 * the answer goes out first, then the arm's counters are updated and the
 * texts queued for off-path comparison (canary: the other arm; shadow: the
 * candidate). A canary candidate that fails in the engine does not fail the
 * request: the error counts against the candidate and the stable version
 * answers instead (so a broken candidate costs no client an error, and its
 * error rate trips the automatic abort).
 *
 * Every answered prediction is then handed to the prediction log (same id as
 * the answer, its arm, the time from pick to answer); that is an append to a
 * buffer, after the answer, and never fails the request.
 * @module
 */
import type { SentioError } from '../errors/index.js';
import type { Routed } from './model-catalog.js';
import { type PredictContext, type PredictResponse, predict } from './predict.js';
import type { Arm } from './rollout.js';
import type { PredictRequest } from './validate-request.js';

type Callback = (err: SentioError | null, res: PredictResponse | null) => void;

function labelsOf(res: PredictResponse): string[] {
  return 'predictions' in res ? res.predictions.map((p) => p.label) : [res.label];
}

function idsOf(res: PredictResponse): string[] {
  return 'predictions' in res ? res.predictions.map((p) => p.id) : [res.id];
}

function textsOf(req: PredictRequest): readonly string[] {
  return req.text !== undefined ? [req.text] : (req.texts as string[]);
}

export function predictRouted(r: Routed, req: PredictRequest, ctx: PredictContext, cb: Callback) {
  const arm = r.arm;
  const t0 = performance.now();
  if (r.canary === null && r.shadow === null) {
    predict(r.model, req, ctx, (err, res) => {
      if (res !== null && arm !== null) res.arm = arm;
      const ms = performance.now() - t0;
      cb(err, res);
      ctx.counts?.answered(r.model.model, res !== null);
      if (res !== null) ctx.log?.answered(r, req, res, ms);
    });
    return;
  }
  predict(r.model, req, ctx, (err, res) => {
    const ms = performance.now() - t0;
    const canary = r.canary;
    if (err !== null && arm === 'canary' && canary !== null) {
      canary.answered('candidate', r.model.version, ms, false);
      predictRouted(
        {
          model: r.stable,
          arm: 'stable',
          stable: r.stable,
          canary: null,
          shadow: null,
          env: r.env,
        },
        req,
        ctx,
        cb,
      );
      return;
    }
    if (res !== null && arm !== null) res.arm = arm;
    cb(err, res);
    // The answer is out (WebSocket) or queued for the reply (REST); now the bookkeeping.
    ctx.counts?.answered(r.model.model, res !== null);
    if (res !== null) ctx.log?.answered(r, req, res, ms);
    const answeredBy: Arm = arm === 'canary' ? 'candidate' : 'stable';
    const ok = err === null && res !== null;
    if (canary !== null) {
      canary.answered(answeredBy, r.model.version, ms, ok);
      if (ok) {
        const other = answeredBy === 'stable' ? canary.candidate : r.stable;
        const done = res as PredictResponse;
        canary.compareLater(textsOf(req), labelsOf(done), idsOf(done), answeredBy, other);
      }
    }
    const shadow = r.shadow;
    if (shadow !== null) {
      shadow.answered('stable', r.model.version, ms, ok);
      if (ok) {
        const done = res as PredictResponse;
        shadow.compareLater(textsOf(req), labelsOf(done), idsOf(done), 'stable', shadow.candidate);
      }
    }
  });
}

export function predictRoutedAsync(
  r: Routed,
  req: PredictRequest,
  ctx: PredictContext,
): Promise<PredictResponse> {
  return new Promise((resolve, reject) => {
    predictRouted(r, req, ctx, (err, res) =>
      err !== null ? reject(err) : resolve(res as PredictResponse),
    );
  });
}
