/**
 * One suite, two backends: the registry and artifact tests run each body
 * once per backend. `backends()` yields SQLite (a temp directory) and
 * PostgreSQL (a fresh database in the test file's throwaway cluster, see
 * postgres.ts), with the few things a test needs to do behind a store's back
 * — raw SQL, damaging or losing an object, ageing it for gc — written once
 * per backend here instead of in the tests.
 *
 * Without PostgreSQL installed the PostgreSQL variants fail, naming the
 * bootstrap step that installs it; they never skip.
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openRegistry } from '../open.js';
import { PG_SCHEMA } from '../postgres/database.js';
import { redactUrl } from '../postgres/url.js';
import type { Registry } from '../types.js';
import { tempDir } from './fixtures.js';
import { sharedPostgres } from './postgres.js';

type T = { after(fn: () => void | Promise<void>): void };

export interface StoreBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A fresh, empty store location: a directory (SQLite) or the URL of a new database. */
  location(t: T): Promise<string>;
  /** A registry on a fresh store, closed after the test. */
  registry(t: T): Promise<Registry>;
  /** Run SQL on the store's database behind the registry's back (errors are thrown as is). */
  sql(reg: Registry, sql: string): Promise<void>;
  /** Make inserts into `table` fail with `message`; returns the undo. */
  failInserts(reg: Registry, table: string, message: string): Promise<() => Promise<void>>;
  /** Replace a stored object's bytes behind the store's back (and drop any cached copy). */
  corrupt(reg: Registry, sha256: string, content: string): Promise<void>;
  /** Delete a stored object behind the store's back. */
  lose(reg: Registry, sha256: string): Promise<void>;
  /** Move an object's gc clock `ms` into the past. */
  age(reg: Registry, sha256: string, ms: number): Promise<void>;
  /** Leave the debris of an interrupted write, if this backend can have any (null: it cannot). */
  leaveTempFile(reg: Registry): string | null;
}

/** Overwrite an object file in place (objects are stored read-only). */
function tamperFile(file: string, content: string): void {
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, content);
}

function sqliteFile(location: string): string {
  return path.join(location, 'registry.db');
}

const sqlite: StoreBackend = {
  name: 'sqlite',
  async location(t) {
    return path.join(tempDir(t), 'store');
  },
  async registry(t) {
    const reg = await openRegistry(await this.location(t));
    t.after(() => reg.close());
    return reg;
  },
  async sql(reg, sql) {
    const db = new Database(sqliteFile(reg.dir), { timeout: 30_000 });
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  },
  async failInserts(reg, table, message) {
    await this.sql(
      reg,
      `CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    );
    return () => this.sql(reg, `DROP TRIGGER fail_${table}`);
  },
  async corrupt(reg, sha256, content) {
    tamperFile(reg.artifacts.pathOf(sha256), content);
  },
  async lose(reg, sha256) {
    fs.rmSync(reg.artifacts.pathOf(sha256));
  },
  async age(reg, sha256, ms) {
    const when = new Date(Date.now() - ms);
    fs.utimesSync(reg.artifacts.pathOf(sha256), when, when);
  },
  leaveTempFile(reg) {
    const tmp = path.join(reg.dir, 'artifacts', 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    const file = path.join(tmp, '.tmp-999-deadbeef');
    fs.writeFileSync(file, 'half');
    return file;
  },
};

/** Tests keep their artifact caches out of ~/.cache: one temp cache per test process. */
function isolateCache(): void {
  if (process.env.SENTIO_CACHE) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-cache-'));
  process.env.SENTIO_CACHE = dir;
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
}

async function withClient<R>(location: string, fn: (c: pg.Client) => Promise<R>): Promise<R> {
  const c = new pg.Client({ connectionString: location, options: `-c search_path=${PG_SCHEMA}` });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Drop this host's cached copy, as if another host read the object. */
function uncache(reg: Registry, sha256: string): void {
  const file = path.join(reg.dir, 'artifacts', 'sha256', sha256.slice(0, 2), sha256);
  fs.rmSync(file, { force: true });
}

/** Test databases by their redacted URL (what `Registry.location` shows) → full URL. */
const opened = new Map<string, string>();

/** The URL a test registry was opened with. */
function storeUrl(reg: Registry): string {
  const url = opened.get(reg.location);
  if (url === undefined) throw new Error(`not a test PostgreSQL store: ${reg.location}`);
  return url;
}

const postgres: StoreBackend = {
  name: 'postgres',
  async location(t) {
    isolateCache();
    const cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    opened.set(redactUrl(url), url);
    const name = new URL(url).pathname.slice(1);
    t.after(() => cluster.dropDatabase(name));
    return url;
  },
  async registry(t) {
    const reg = await openRegistry(await this.location(t));
    t.after(() => reg.close());
    return reg;
  },
  async sql(reg, sql) {
    await withClient(storeUrl(reg), (c) => c.query(sql));
  },
  async failInserts(reg, table, message) {
    await this.sql(
      reg,
      `CREATE FUNCTION fail_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION '${message}'; END $$;
       CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table}
         FOR EACH ROW EXECUTE FUNCTION fail_${table}();`,
    );
    return () =>
      this.sql(reg, `DROP TRIGGER fail_${table} ON ${table}; DROP FUNCTION fail_${table}();`);
  },
  async corrupt(reg, sha256, content) {
    await withClient(storeUrl(reg), async (c) => {
      await c.query('DELETE FROM artifact_chunks WHERE sha256 = $1', [sha256]);
      await c.query('INSERT INTO artifact_chunks (sha256, seq, data) VALUES ($1, 0, $2)', [
        sha256,
        Buffer.from(content),
      ]);
    });
    uncache(reg, sha256);
  },
  async lose(reg, sha256) {
    await withClient(storeUrl(reg), (c) =>
      c.query('DELETE FROM artifact_objects WHERE sha256 = $1', [sha256]),
    );
    uncache(reg, sha256);
  },
  async age(reg, sha256, ms) {
    await withClient(storeUrl(reg), (c) =>
      c.query(
        `UPDATE artifact_objects SET touched_at = now() - make_interval(secs => $2) WHERE sha256 = $1`,
        [sha256, ms / 1000],
      ),
    );
  },
  leaveTempFile() {
    return null;
  },
};

/** Both backends, SQLite first. */
export function backends(): StoreBackend[] {
  return [sqlite, postgres];
}
