/**
 * Opening a PostgreSQL store (`postgres://…` / `postgresql://…`): connect a
 * pool, check the database holds a Sentio store (readers and `create:
 * false` never create one), migrate it forward under the advisory lock,
 * refuse a newer one, and wire the registry to the database-backed artifact
 * store with its host-local cache directory as `Registry.dir`.
 * @module
 */
import { SentioError } from '../../errors/index.js';
import { SentioRegistry } from '../registry.js';
import type { OpenOptions, Registry } from '../types.js';
import { PgArtifactStore } from './artifact-store.js';
import { PgBackend } from './backend.js';
import { PgDatabase } from './database.js';
import { mapPgError } from './errors.js';
import {
  migratePg,
  PG_LATEST_SCHEMA_VERSION,
  pgTooNew,
  readPgSchemaVersion,
} from './migrations.js';
import { storeCacheDir } from './url.js';

export async function openPostgresRegistry(url: string, opts: OpenOptions = {}): Promise<Registry> {
  const readonly = opts.readonly === true;
  const create = !readonly && opts.create !== false;
  const db = new PgDatabase(url, { readonly });
  try {
    let version: number;
    try {
      version = await readPgSchemaVersion(db.pool, db.store);
    } catch (e) {
      throw mapPgError(e, db.store);
    }
    if (version === 0 && !create) {
      throw new SentioError(
        'REGISTRY_STORE_NOT_FOUND',
        `no Sentio store in ${db.store} (the database has no "sentio" schema); train a model into it first, or point --store / SENTIO_HOME at an existing store`,
        { store: db.store },
      );
    }
    if (version > PG_LATEST_SCHEMA_VERSION) {
      throw pgTooNew(db.store, version, PG_LATEST_SCHEMA_VERSION);
    }
    if (version < PG_LATEST_SCHEMA_VERSION) {
      // An older store is migrated forward even by a reader, over a writable connection.
      const writer = readonly ? new PgDatabase(url, { readonly: false, max: 1 }) : db;
      try {
        await migratePg(writer);
      } finally {
        if (writer !== db) await writer.close();
      }
    }
    const backend = new PgBackend(db);
    const dir = storeCacheDir(url);
    const artifacts = new PgArtifactStore(db, dir, readonly);
    return new SentioRegistry(dir, artifacts, backend, db.store);
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}
