/**
 * Opening the monitoring store of a PostgreSQL store (`postgres://…`): the
 * `sentio_monitor` schema in the registry's database. Writers create or
 * migrate it (under the advisory lock); readers need it to exist at the
 * current version (MONITOR_STORE_NOT_FOUND / MONITOR_STORE_INVALID, like a
 * missing or old monitor.db). Loaded on demand by ../open.ts, so commands
 * on a SQLite store never load the PostgreSQL driver.
 * @module
 */
import { SentioError } from '../../errors/index.js';
import type { AlertStore } from '../alerts/types.js';
import type { MonitorBackend } from '../types.js';
import { PgAlertStore } from './alert-store.js';
import { PgMonitorBackend } from './backend.js';
import { MonitorPg } from './database.js';
import { checkMonitorVersion, migrateMonitorPg, PG_MONITOR_SCHEMA_VERSION } from './migrations.js';

export interface PgMonitorOpenOptions {
  readonly?: boolean;
  writer?: string;
}

async function connect(url: string, readonly: boolean): Promise<MonitorPg> {
  const db = new MonitorPg(url, readonly);
  try {
    const v = await checkMonitorVersion(db);
    if (readonly && v === 0) {
      throw new SentioError(
        'MONITOR_STORE_NOT_FOUND',
        `no prediction logs in ${db.store} (no monitoring schema yet); serve a model with logging on, or point --store at the right store`,
        { store: db.store },
      );
    }
    if (readonly && v < PG_MONITOR_SCHEMA_VERSION) {
      throw new SentioError(
        'MONITOR_STORE_INVALID',
        `${db.store} has an older monitoring schema; open it once for writing (any logs command) to migrate it`,
        { store: db.store },
      );
    }
    if (!readonly && v < PG_MONITOR_SCHEMA_VERSION) await migrateMonitorPg(db);
    return db;
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}

export async function openPgMonitor(
  url: string,
  opts: PgMonitorOpenOptions = {},
): Promise<MonitorBackend> {
  const db = await connect(url, opts.readonly === true);
  const writer = opts.writer ?? `${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  return new PgMonitorBackend(db, writer);
}

export async function openPgAlertStore(
  url: string,
  opts: { readonly?: boolean } = {},
): Promise<AlertStore> {
  return new PgAlertStore(await connect(url, opts.readonly === true));
}
