/**
 * Opening a store: pick the backend from the location, check the store
 * exists (readers never create one), migrate it forward, refuse a newer one.
 *
 * A location is a directory (SQLite `registry.db` + `artifacts/`), a
 * `file://` URL of one, or a `postgres://` / `postgresql://` URL, which
 * selects the PostgreSQL backend (postgres/open.ts) behind the same
 * `Registry` interface.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { SentioError } from '../errors/index.js';
import { FsArtifactStore } from './fs-artifact-store.js';
import { redactUrl } from './postgres/url.js';
import { SentioRegistry } from './registry.js';
import { openSqliteBackend } from './sqlite/backend.js';
import type { OpenOptions, Registry } from './types.js';

export const DB_FILE = 'registry.db';

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Store layout on disk: where the SQLite file and the artifacts live. */
export function storePaths(dir: string): { dir: string; db: string; artifacts: string } {
  const abs = path.resolve(dir);
  return { dir: abs, db: path.join(abs, DB_FILE), artifacts: path.join(abs, 'artifacts') };
}

function storeNotFound(dir: string): SentioError {
  return new SentioError(
    'REGISTRY_STORE_NOT_FOUND',
    `no Sentio store at ${dir} (no ${DB_FILE}); train a model into it first, or point --store / SENTIO_HOME at an existing store`,
    { store: dir },
  );
}

export async function openRegistry(location: string, opts: OpenOptions = {}): Promise<Registry> {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new SentioError('REGISTRY_STORE_NOT_FOUND', 'no store location given');
  }
  const scheme = URL_SCHEME.exec(location)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    // Loaded on demand: SQLite users never load the PostgreSQL driver.
    const { openPostgresRegistry } = await import('./postgres/open.js');
    return openPostgresRegistry(location.trim(), opts);
  }
  if (scheme !== undefined && scheme !== 'file') {
    throw new SentioError(
      'REGISTRY_BACKEND_UNSUPPORTED',
      `unsupported store location "${redactUrl(location)}": give a directory or a postgres:// URL`,
      { store: redactUrl(location) },
    );
  }
  const dirArg = scheme === 'file' ? new URL(location).pathname : location;
  const p = storePaths(dirArg);
  const readonly = opts.readonly === true;
  const create = !readonly && opts.create !== false;

  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(p.dir);
  } catch {
    st = undefined;
  }
  if (st !== undefined && !st.isDirectory()) {
    throw new SentioError(
      'REGISTRY_STORE_INVALID',
      `the store location ${p.dir} is not a directory`,
      {
        store: p.dir,
      },
    );
  }
  if (!fs.existsSync(p.db)) {
    if (!create) throw storeNotFound(p.dir);
    fs.mkdirSync(p.dir, { recursive: true });
  }
  const backend = openSqliteBackend(p.db, { readonly, create });
  return new SentioRegistry(p.dir, new FsArtifactStore(p.dir, readonly), backend);
}
