/**
 * Prediction ids: unique across processes and restarts without coordination
 * (a random per-process prefix) and cheap to make (a counter, no RNG per
 * prediction). Logged with the request id, they tie an answer to its logs.
 * @module
 */
import { randomBytes } from 'node:crypto';

export class PredictionIds {
  private readonly prefix = `p${randomBytes(5).toString('hex')}`;
  private n = 0;

  next(): string {
    this.n++;
    return `${this.prefix}-${this.n.toString(36)}`;
  }
}
