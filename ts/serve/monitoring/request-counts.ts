/**
 * Requests and failed requests per served model, counted where a routed
 * request is answered (REST and WebSocket alike): the error-rate alert rule
 * compares the two over each evaluation (the monitoring thread takes the
 * differences). Client mistakes rejected before a model is picked are not
 * the model's errors and are not counted.
 * @module
 */
import type { RequestCounts } from './monitor-protocol.js';

export class ModelRequestCounts {
  private readonly byModel = new Map<string, RequestCounts>();

  answered(model: string, ok: boolean): void {
    let c = this.byModel.get(model);
    if (c === undefined) {
      c = { requests: 0, errors: 0 };
      this.byModel.set(model, c);
    }
    c.requests++;
    if (!ok) c.errors++;
  }

  snapshot(): Record<string, RequestCounts> {
    const out: Record<string, RequestCounts> = {};
    for (const [m, c] of this.byModel) out[m] = { ...c };
    return out;
  }
}
