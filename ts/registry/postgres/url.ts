/**
 * PostgreSQL store locations: recognising `postgres://` / `postgresql://`
 * URLs, printing them without their password (messages, logs, `sentio train
 * --json`), and the host-local cache directory that stands in for a store
 * directory: `$SENTIO_CACHE/stores/<hash>/` (else `$XDG_CACHE_HOME/sentio/…`,
 * else `~/.cache/sentio/…`), keyed by the URL without its password so a
 * rotated password keeps the cache. The cache only ever holds
 * content-addressed, verified-on-read copies of artifacts, so sharing or
 * losing it is harmless.
 * @module
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

const PG_SCHEME = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(location: string): boolean {
  return PG_SCHEME.test(location.trim());
}

/** The URL with any password replaced by `***` (unparseable input: everything after the scheme). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return url.replace(/^(\w+:\/\/).*$/, '$1***');
  }
}

/** The URL without its password, normalised: the identity of the store for cache purposes. */
export function storeKey(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.protocol = 'postgres:';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass/i.test(key)) u.searchParams.delete(key);
    }
    u.searchParams.sort();
    return u.toString();
  } catch {
    return url;
  }
}

/** The host-local directory of a URL store: artifact cache (and later other per-host state). */
export function storeCacheDir(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.SENTIO_CACHE
    ? env.SENTIO_CACHE
    : path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'sentio');
  const hash = createHash('sha256').update(storeKey(url)).digest('hex').slice(0, 24);
  return path.join(base, 'stores', hash);
}
