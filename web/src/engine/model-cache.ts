/**
 * Model files in the browser, downloaded once: the bytes live in the Cache
 * API under their content-addressed URL (`/v1/artifacts/<sha256>`, the same
 * URL the service worker answers from), checked against their sha256 when
 * stored and when read. What the server serves (model, version, sha256,
 * classes) is remembered in localStorage, so with the server gone the
 * playground still knows which cached file to load.
 * @module
 */

import { authHeaders } from '../api/http';
import type { ServedModel } from '../api/types';
import { WebError } from '../lib/errors';

export const MODEL_CACHE = 'sentio-models-v1';
const SERVED_KEY = 'sentio.served';

export const artifactPath = (sha: string) => `/v1/artifacts/${sha}`;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The cached bytes of a model file, or null (absent, or damaged: then dropped). */
export async function cachedModel(sha: string): Promise<Uint8Array | null> {
  const cache = await caches.open(MODEL_CACHE);
  const res = await cache.match(artifactPath(sha));
  if (res === undefined) return null;
  const bytes = new Uint8Array(await res.arrayBuffer());
  if ((await sha256Hex(bytes)) !== sha) {
    await cache.delete(artifactPath(sha));
    return null;
  }
  return bytes;
}

export interface Fetched {
  bytes: Uint8Array;
  fromCache: boolean;
}

/**
 * The model file of `name@version` whose sha256 is `sha`: from the cache, else
 * downloaded through `GET /v1/models/{name}/artifact?version=N` (a redirect to
 * the immutable by-hash URL), verified, and cached.
 */
export async function modelBytes(name: string, version: number, sha: string): Promise<Fetched> {
  const hit = await cachedModel(sha);
  if (hit !== null) return { bytes: hit, fromCache: true };
  let res: Response;
  try {
    res = await fetch(`/v1/models/${encodeURIComponent(name)}/artifact?version=${version}`, {
      headers: authHeaders(),
    });
  } catch (e) {
    throw new WebError(
      'WEB_OFFLINE_NO_MODEL',
      `${name}@${version} is not cached in this browser and the server is unreachable (${(e as Error).message})`,
    );
  }
  if (!res.ok)
    throw new WebError('WEB_HTTP', `model download failed: HTTP ${res.status}`, res.status);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const got = await sha256Hex(bytes);
  if (got !== sha) {
    throw new WebError(
      'WEB_ARTIFACT_HASH',
      `downloaded model file has sha256 ${got}, expected ${sha}`,
    );
  }
  const cache = await caches.open(MODEL_CACHE);
  await cache.put(
    artifactPath(sha),
    new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }),
  );
  return { bytes, fromCache: false };
}

export function rememberServed(models: ServedModel[]): void {
  localStorage.setItem(SERVED_KEY, JSON.stringify({ at: Date.now(), models }));
}

export function lastServed(): { at: number; models: ServedModel[] } | null {
  try {
    const v = JSON.parse(localStorage.getItem(SERVED_KEY) ?? 'null') as {
      at: number;
      models: ServedModel[];
    } | null;
    return v !== null && Array.isArray(v.models) ? v : null;
  } catch {
    return null;
  }
}
