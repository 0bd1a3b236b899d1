/**
 * Sentio's store: registry of models and versions, experiment tracking and
 * the content-addressed artifact store, behind backend-neutral async
 * interfaces: SQLite (a directory) or PostgreSQL (a postgres:// URL).
 *
 *   const reg = await openRegistry('./models');
 *   const sha = await reg.artifacts.put(modelBytes);
 *   const { version, created } = await reg.registerVersion({ model: 'sentiment', modelSha256: sha, artifacts: {}, metrics: {}, config: {} });
 *   await reg.setAlias('sentiment', 'production', version.version, { reason: 'beats v3' });
 *   (await reg.resolve('sentiment@production')).version;
 *
 * The only file other modules import from ts/registry.
 * @module
 */
export type { RegistryBackend } from './backend.js';
export { FsArtifactStore } from './fs-artifact-store.js';
export { DEFAULT_GC_GRACE_MS, type GcItem, type GcOptions, type GcReport, gc } from './gc.js';
export { sha256Hex } from './hash.js';
export { isAliasName } from './names.js';
export { DB_FILE, openRegistry, storePaths } from './open.js';
export { isPostgresUrl, redactUrl } from './postgres/url.js';
export { gitCommit, SENTIO_VERSION, whoAmI } from './provenance.js';
export { formatRef, type ParsedRef, parseRef } from './ref.js';
export { schemaVersionOf } from './sqlite/meta-version.js';
export { LATEST_SCHEMA_VERSION } from './sqlite/migrations.js';
export { enableWal } from './sqlite/wal.js';
export {
  type MigrateProgress,
  type MigrateStoreOptions,
  type MigrateStoreReport,
  type MigrationPart,
  migrateStore,
} from './store-migrate.js';
export {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  type ExportManifest,
  type ExportResult,
  exportVersion,
  type ImportResult,
  importVersion,
  MANIFEST_FILE,
  readManifest,
} from './transfer.js';
export type * from './types.js';
export { type ArtifactProblem, type StoreVerifyReport, verifyStore } from './verify.js';
