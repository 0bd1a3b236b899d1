/**
 * Answer one validated prediction request with one loaded version: single
 * texts go through the micro-batcher, client batches straight to the engine,
 * explanations to `explain` (never batched: each is a separate walk). The
 * answer names the version that produced it; the version is picked once, so
 * a hot swap mid-request cannot mix two versions in one answer.
 * @module
 */
import { SentioError } from '../errors/index.js';
import type { LoadedModel, TextPrediction } from './loaded-model.js';
import type { ServeMetrics } from './metrics.js';
import type { PredictionLog } from './monitoring/prediction-log.js';
import type { ModelRequestCounts } from './monitoring/request-counts.js';
import type { PredictionIds } from './prediction-id.js';
import type { PredictRequest } from './validate-request.js';

export interface SinglePredictResponse extends TextPrediction {
  id: string;
  model: string;
  version: number;
  /** Routed requests (no explicit version): the arm that answered. */
  arm?: 'stable' | 'canary';
}

export interface BatchPredictResponse {
  model: string;
  version: number;
  arm?: 'stable' | 'canary';
  predictions: Array<TextPrediction & { id: string }>;
}

export type PredictResponse = SinglePredictResponse | BatchPredictResponse;

export interface PredictContext {
  ids: PredictionIds;
  metrics: ServeMetrics;
  asyncThreshold: number;
  /** Where answered predictions are logged (null: nowhere). */
  log: PredictionLog | null;
  /** Requests and failures per model (error-rate alerts). */
  counts: ModelRequestCounts | null;
}

function failed(e: unknown): SentioError {
  return new SentioError(
    'SERVE_PREDICTION_FAILED',
    `the engine failed to score the text: ${e instanceof Error ? e.message : String(e)}`,
  );
}

/** Callback style so the WebSocket path does not allocate a promise per message. */
export function predict(
  m: LoadedModel,
  req: PredictRequest,
  ctx: PredictContext,
  cb: (err: SentioError | null, res: PredictResponse | null) => void,
): void {
  if (req.text !== undefined) {
    if (req.explain > 0) {
      let p: TextPrediction;
      try {
        p = m.explain(req.text, req.explain);
      } catch (e) {
        cb(failed(e), null);
        return;
      }
      ctx.metrics.predicted(m.model, m.version, 1);
      cb(null, { id: ctx.ids.next(), model: m.model, version: m.version, ...p });
      return;
    }
    m.predictOne(req.text, (err, p) => {
      if (err !== null || p === null) {
        cb(failed(err), null);
        return;
      }
      ctx.metrics.predicted(m.model, m.version, 1);
      cb(null, {
        id: ctx.ids.next(),
        model: m.model,
        version: m.version,
        label: p.label,
        probabilities: p.probabilities,
      });
    });
    return;
  }
  const texts = req.texts as string[];
  const done = (preds: TextPrediction[]) => {
    ctx.metrics.predicted(m.model, m.version, preds.length);
    cb(null, {
      model: m.model,
      version: m.version,
      predictions: preds.map((p) => ({ id: ctx.ids.next(), ...p })),
    });
  };
  if (req.explain > 0) {
    let preds: TextPrediction[];
    try {
      preds = texts.map((t) => m.explain(t, req.explain));
    } catch (e) {
      cb(failed(e), null);
      return;
    }
    done(preds);
    return;
  }
  ctx.metrics.batch(m.model, texts.length);
  m.predictMany(texts, ctx.asyncThreshold).then(done, (e: unknown) => cb(failed(e), null));
}

export function predictAsync(
  m: LoadedModel,
  req: PredictRequest,
  ctx: PredictContext,
): Promise<PredictResponse> {
  return new Promise((resolve, reject) => {
    predict(m, req, ctx, (err, res) =>
      err !== null ? reject(err) : resolve(res as PredictResponse),
    );
  });
}
