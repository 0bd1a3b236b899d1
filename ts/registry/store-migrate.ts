/**
 * `migrateStore` for callers outside ts/registry (the CLI), loading the
 * PostgreSQL code only when a migration actually runs, so commands on a
 * SQLite store never load the PostgreSQL driver.
 * @module
 */
import type { MigrateStoreOptions, MigrateStoreReport } from './postgres/migrate-store.js';

export type {
  MigrateProgress,
  MigrateStoreOptions,
  MigrateStoreReport,
  MigrationPart,
} from './postgres/migrate-store.js';

/** Copy a SQLite store into PostgreSQL and verify the copy (see postgres/migrate-store.ts). */
export async function migrateStore(opts: MigrateStoreOptions): Promise<MigrateStoreReport> {
  return (await import('./postgres/migrate-store.js')).migrateStore(opts);
}
