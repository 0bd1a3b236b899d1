/**
 * Opening the monitoring store: `<store>/monitor.db`, next to the registry's
 * `registry.db` but a separate file (see sqlite/migrations.ts for why).
 * A `postgres://` URL opens the `sentio_monitor` schema in the store's
 * database instead (postgres/, loaded on demand) behind the same interface.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { SentioError } from '../errors/index.js';
import { isPostgresUrl, redactUrl } from '../registry/index.js';
import { openSqliteMonitor } from './sqlite/backend.js';
import type { MonitorBackend } from './types.js';

export const MONITOR_DB_FILE = 'monitor.db';

export interface OpenMonitorOptions {
  /** Read only: the database must exist (MONITOR_STORE_NOT_FOUND). */
  readonly?: boolean;
  busyTimeoutMs?: number;
  /** Identifies this writer's token-bucket rows. */
  writer?: string;
}

/** Path of the monitoring database of a store directory. */
export function monitorDbPath(storeDir: string): string {
  return path.join(path.resolve(storeDir), MONITOR_DB_FILE);
}

export async function openMonitorStore(
  location: string,
  opts: OpenMonitorOptions = {},
): Promise<MonitorBackend> {
  if (isPostgresUrl(location)) {
    const { openPgMonitor } = await import('./postgres/open.js');
    return openPgMonitor(location.trim(), {
      readonly: opts.readonly === true,
      ...(opts.writer !== undefined ? { writer: opts.writer } : {}),
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new SentioError(
      'MONITOR_BAD_OPTION',
      `unsupported monitoring store "${redactUrl(location)}": give a store directory or a postgres:// URL`,
      { store: redactUrl(location) },
    );
  }
  const file = monitorDbPath(location);
  if (opts.readonly && !fs.existsSync(file)) {
    throw new SentioError(
      'MONITOR_STORE_NOT_FOUND',
      `no prediction logs in ${path.resolve(location)} (no ${MONITOR_DB_FILE}); serve a model with logging on, or point --store at the right store`,
      { store: path.resolve(location), file },
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return openSqliteMonitor(file, {
    readonly: opts.readonly === true,
    ...(opts.busyTimeoutMs !== undefined ? { busyTimeoutMs: opts.busyTimeoutMs } : {}),
    ...(opts.writer !== undefined ? { writer: opts.writer } : {}),
  });
}

/**
 * Does the store have a monitoring store yet (SQLite: monitor.db exists;
 * PostgreSQL: the `sentio_monitor` schema exists)? Never creates one.
 */
export async function monitorStoreExists(location: string): Promise<boolean> {
  if (!isPostgresUrl(location)) return fs.existsSync(monitorDbPath(location));
  try {
    await (await openMonitorStore(location, { readonly: true })).close();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'MONITOR_STORE_NOT_FOUND') return false;
    throw e;
  }
}
