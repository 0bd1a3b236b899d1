/**
 * One suite, two backends, for monitoring: `monitorBackends()` yields
 * SQLite (a temp store directory) and PostgreSQL (a fresh database in the
 * test file's throwaway cluster, ts/registry/test-support/postgres.ts), so
 * the store and alert-store tests run each body once per backend. Without
 * PostgreSQL installed the PostgreSQL variants fail naming the bootstrap
 * step; they never skip.
 * @module
 */
import pg from 'pg';
import { sharedPostgres } from '../../registry/test-support/postgres.js';
import { MONITOR_PG_SCHEMA } from '../postgres/database.js';
import { tempDir } from './fixtures.js';

type T = { after(fn: () => void | Promise<void>): void };

export interface MonitorTestBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A fresh, empty store location: a directory or a database URL. */
  location(t: T): Promise<string>;
}

const sqlite: MonitorTestBackend = {
  name: 'sqlite',
  async location(t) {
    return tempDir(t);
  },
};

const postgres: MonitorTestBackend = {
  name: 'postgres',
  async location(t) {
    const cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    t.after(() => cluster.dropDatabase(new URL(url).pathname.slice(1)));
    return url;
  },
};

export function monitorBackends(): MonitorTestBackend[] {
  return [sqlite, postgres];
}

/** Run SQL in a PostgreSQL store's monitoring schema, behind the store's back. */
export async function pgSql(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult> {
  const c = new pg.Client({
    connectionString: url,
    options: `-c search_path=${MONITOR_PG_SCHEMA}`,
  });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}
