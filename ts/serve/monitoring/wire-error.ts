/**
 * Errors crossing a worker_thread boundary: structured clone keeps neither
 * the class nor the code of an Error, so they travel as plain
 * `{code, message, details}` and become SentioErrors again on arrival.
 * @module
 */
import { hasCode, SentioError } from '../../errors/index.js';
import type { WireError } from './log-protocol.js';

export function toWire(e: unknown): WireError {
  const message = e instanceof Error ? e.message : String(e);
  const details = e instanceof SentioError ? e.details : undefined;
  return {
    code: hasCode(e) ? e.code : 'INTERNAL',
    message,
    ...(details !== undefined ? { details } : {}),
  };
}

export function fromWire(e: WireError): SentioError {
  return new SentioError(e.code, e.message, e.details);
}
