/**
 * The monitoring store as a part of `sentio store migrate` (a
 * `MigrationPart` the CLI hands to the registry's migrateStore): present
 * when the source has a monitor.db; the copy itself (postgres/migrate-part.ts)
 * is loaded only when a migration runs, so importing ts/monitor never loads
 * the PostgreSQL driver.
 * @module
 */
import fs from 'node:fs';
import type { MigrationPart } from '../registry/index.js';
import { MONITOR_DB_FILE, monitorDbPath } from './open.js';

export const MONITOR_MIGRATION_PART: MigrationPart = {
  name: `prediction logs, feedback and alerts (${MONITOR_DB_FILE})`,
  present: (dir) => fs.existsSync(monitorDbPath(dir)),
  async copy(sourceDir, targetUrl) {
    return (await import('./postgres/migrate-part.js')).copyMonitorStore(sourceDir, targetUrl);
  },
};
