/**
 * Calls to the server's JSON API. Every failure becomes a `WebError` with
 * the server's own code and message (`{"error": {"code", "message",
 * "details"}}`), or `WEB_NETWORK` when the server could not be reached
 * (stopped, offline) — the playground uses that to switch to its cached model.
 * @module
 */
import { WebError } from '../lib/errors';
import { settings } from '../lib/settings';

export interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** Send the admin token instead of the API key. */
  admin?: boolean;
  timeoutMs?: number;
}

export function authHeaders(admin = false): Record<string, string> {
  const cred = admin ? settings.adminToken : settings.apiKey;
  return cred !== '' ? { authorization: `Bearer ${cred}` } : {};
}

export async function api<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...authHeaders(opts.admin),
  };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      cache: 'no-store',
    });
  } catch (e) {
    throw new WebError('WEB_NETWORK', `the server did not answer (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)
      ?.error;
    throw new WebError(
      err?.code ?? 'WEB_HTTP',
      err?.message ?? `HTTP ${res.status} ${res.statusText}`,
      res.status,
      (err?.details as Record<string, unknown> | undefined) ?? null,
    );
  }
  return json as T;
}

export const enc = encodeURIComponent;
