/**
 * PostgreSQL failures as the registry's error codes, so a caller sees the
 * same code whichever backend is underneath: lock waits, deadlocks and
 * serialization failures are REGISTRY_STORE_BUSY (after the transaction
 * helper retried the ones that are safe to retry), unique violations are
 * REGISTRY_CONFLICT, a missing database REGISTRY_STORE_NOT_FOUND, a
 * read-only connection REGISTRY_STORE_READONLY, an unreachable server or a
 * refused login REGISTRY_STORE_UNREACHABLE. Messages name the store by its
 * URL without the password.
 * @module
 */
import { SentioError } from '../../errors/index.js';

export interface PgErrorLike {
  code?: string;
  message?: string;
  constraint?: string;
  detail?: string;
}

/** SQLSTATEs after which re-running the whole transaction is safe and may succeed. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryable(e: unknown): boolean {
  return RETRYABLE.has((e as PgErrorLike)?.code ?? '');
}

/** Socket-level failures (no SQLSTATE): the server is down or unreachable. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

export function isConnectionError(e: unknown): boolean {
  const code = (e as PgErrorLike)?.code ?? '';
  const message = (e as Error)?.message ?? '';
  return (
    NETWORK.has(code) ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    /Connection terminated|connection timeout|timeout expired/i.test(message)
  );
}

export function mapPgError(e: unknown, store: string): unknown {
  if (e instanceof SentioError) return e;
  const err = e as PgErrorLike;
  const code = err?.code ?? '';
  const message = err?.message ?? String(e);
  const details = { store, sqlstate: code || undefined };
  if (RETRYABLE.has(code) || code === '55P03' || code === '57014') {
    return new SentioError(
      'REGISTRY_STORE_BUSY',
      `the store ${store} stayed busy with other writers for too long: ${message}`,
      details,
      { cause: e },
    );
  }
  if (code === '3D000') {
    return new SentioError(
      'REGISTRY_STORE_NOT_FOUND',
      `no such database for the store ${store}: ${message} (create it first, e.g. createdb)`,
      details,
      { cause: e },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new SentioError(
      'REGISTRY_STORE_UNREACHABLE',
      `cannot log in to the store ${store}: ${message}`,
      details,
      { cause: e },
    );
  }
  if (code === '25006' || code === '42501') {
    return new SentioError(
      'REGISTRY_STORE_READONLY',
      `cannot write to the store ${store}: ${message}`,
      details,
      { cause: e },
    );
  }
  if (isConnectionError(e)) {
    return new SentioError(
      'REGISTRY_STORE_UNREACHABLE',
      `cannot reach the store ${store}: ${message}`,
      details,
      { cause: e },
    );
  }
  if (code === '23505') {
    return new SentioError(
      'REGISTRY_CONFLICT',
      `conflicting write to the store ${store}: ${err.detail ?? message}`,
      { ...details, constraint: err.constraint },
      { cause: e },
    );
  }
  return e;
}
