/**
 * What only the PostgreSQL backend has: opening by URL (errors that name the
 * store without its password), the schema in its own `sentio` schema,
 * migrations under the advisory lock, the host-local cache directory, and
 * read-through caching of artifacts. The shared registry and artifact suites
 * (../*.test.ts) cover everything else on both backends.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { openRegistry } from '../open.js';
import { registerFake } from '../test-support/fixtures.js';
import { PG_PASSWORD, sharedPostgres } from '../test-support/postgres.js';
import { PgDatabase } from './database.js';
import { migratePg, PG_LATEST_SCHEMA_VERSION, PG_MIGRATIONS } from './migrations.js';
import { redactUrl, storeCacheDir, storeKey } from './url.js';

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    assert.doesNotMatch(e.message, new RegExp(PG_PASSWORD), 'no password in messages');
    return true;
  });
}

async function freshDatabase(t: { after(fn: () => unknown): void }): Promise<string> {
  const cluster = await sharedPostgres();
  const url = await cluster.createDatabase();
  t.after(() => cluster.dropDatabase(new URL(url).pathname.slice(1)));
  return url;
}

async function scalar(url: string, sql: string): Promise<unknown> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return Object.values((await c.query(sql)).rows[0] ?? {})[0];
  } finally {
    await c.end();
  }
}

test('urls: passwords are redacted; the cache directory ignores the password', () => {
  const a = 'postgres://u:secret@db.example:5432/sentio?sslmode=require';
  assert.equal(redactUrl(a), 'postgres://u:***@db.example:5432/sentio?sslmode=require');
  assert.equal(storeKey(a), storeKey(a.replace('secret', 'rotated')));
  assert.equal(storeKey(a), storeKey(a.replace('postgres:', 'postgresql:')));
  assert.notEqual(storeKey(a), storeKey(a.replace('/sentio', '/other')));
  const env = { SENTIO_CACHE: '/c' };
  assert.match(storeCacheDir(a, env), /^\/c\/stores\/[0-9a-f]{24}$/);
  assert.equal(storeCacheDir(a, env), storeCacheDir(a.replace('secret', 'x'), env));
  assert.match(storeCacheDir(a, { XDG_CACHE_HOME: '/x' }), /^\/x\/sentio\/stores\//);
});

test('postgres: a new store lives in the "sentio" schema at the latest version; dir is the cache, location the redacted URL', async (t) => {
  const url = await freshDatabase(t);
  process.env.SENTIO_CACHE ??= fs.mkdtempSync('/tmp/sentio-cache-');
  const reg = await openRegistry(url.replace(/^postgres:/, 'postgresql:'));
  t.after(() => reg.close());
  assert.equal(reg.backend, 'postgres');
  assert.equal(await reg.schemaVersion(), PG_LATEST_SCHEMA_VERSION);
  assert.equal(reg.dir, storeCacheDir(url));
  assert.equal(reg.location, redactUrl(url.replace(/^postgres:/, 'postgresql:')));
  assert.doesNotMatch(reg.location, new RegExp(PG_PASSWORD));
  assert.equal(
    await scalar(url, "SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public'"),
    0,
    'nothing in public',
  );
  assert.match(
    String(await scalar(url, "SELECT value FROM sentio.meta WHERE key = 'store_id'")),
    /^[0-9a-f-]{36}$/,
  );
  // Read-through cache: a fetched object lands in this host's cache, verified, and pathOf finds it.
  const { version } = await registerFake(reg, 'm', 'cached');
  const sha = version.modelSha256;
  fs.rmSync(reg.dir, { recursive: true, force: true });
  assert.throws(() => reg.artifacts.pathOf(sha), /not in this host's cache/);
  const bytes = await reg.artifacts.get(sha);
  assert.equal(Buffer.from(bytes).toString(), 'model:cached');
  assert.equal(fs.readFileSync(reg.artifacts.pathOf(sha), 'utf8'), 'model:cached');
  // A damaged cached copy is ignored: the database copy is served and re-cached.
  const file = reg.artifacts.pathOf(sha);
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, 'damaged cache');
  assert.equal(Buffer.from(await reg.artifacts.get(sha)).toString(), 'model:cached');
  assert.equal(fs.readFileSync(file, 'utf8'), 'model:cached');
  assert.equal(path.dirname(path.dirname(path.dirname(path.dirname(file)))), reg.dir);
});

test('postgres: readers never create a store; missing database, bad password and no server are typed errors', async (t) => {
  const url = await freshDatabase(t);
  await rejectsWith(
    openRegistry(url, { readonly: true }),
    'REGISTRY_STORE_NOT_FOUND',
    /no Sentio store/,
  );
  await rejectsWith(openRegistry(url, { create: false }), 'REGISTRY_STORE_NOT_FOUND');
  assert.equal(
    await scalar(url, "SELECT count(*)::int FROM pg_namespace WHERE nspname = 'sentio'"),
    0,
    'nothing created',
  );
  const u = new URL(url);
  u.pathname = '/no_such_database';
  await rejectsWith(openRegistry(u.toString()), 'REGISTRY_STORE_NOT_FOUND', /no_such_database/);
  const wrong = new URL(url);
  wrong.password = 'wrong-password';
  await rejectsWith(openRegistry(wrong.toString()), 'REGISTRY_STORE_UNREACHABLE', /log in/);
  const down = new URL(url);
  down.port = '1';
  await rejectsWith(openRegistry(down.toString()), 'REGISTRY_STORE_UNREACHABLE', /cannot reach/);
});

test('postgres: a read-only registry reads, and refuses writes in the database too', async (t) => {
  const url = await freshDatabase(t);
  const w = await openRegistry(url);
  await registerFake(w, 'm', 'a');
  await w.close();
  const ro = await openRegistry(url, { readonly: true });
  t.after(() => ro.close());
  assert.equal((await ro.resolve('m')).version, 1);
  await rejectsWith(ro.setAlias('m', 'production', 1), 'REGISTRY_STORE_READONLY');
  await rejectsWith(registerFake(ro, 'm', 'b'), 'REGISTRY_STORE_READONLY');
  assert.deepEqual(await ro.checkIntegrity(), ['ok']);
});

test('postgres: 8 processes’ worth of simultaneous opens of an empty database migrate it exactly once', async (t) => {
  const url = await freshDatabase(t);
  const regs = await Promise.all(Array.from({ length: 8 }, () => openRegistry(url)));
  t.after(() => Promise.all(regs.map((r) => r.close())));
  for (const r of regs) assert.equal(await r.schemaVersion(), PG_LATEST_SCHEMA_VERSION);
  assert.equal(await scalar(url, 'SELECT count(*)::int FROM sentio.environments'), 2);
  assert.equal(
    await scalar(url, "SELECT count(*)::int FROM sentio.meta WHERE key = 'store_id'"),
    1,
  );
});

test('postgres: a newer store is refused untouched; a failing step rolls back; an older store moves forward', async (t) => {
  const url = await freshDatabase(t);
  const db = new PgDatabase(url, { readonly: false });
  t.after(() => db.close());
  await migratePg(db);
  const next = PG_LATEST_SCHEMA_VERSION + 1;
  const broken = [
    ...PG_MIGRATIONS,
    {
      version: next,
      description: 'half good',
      sql: 'CREATE TABLE extra (x int); SELECT no_such_function();',
    },
  ];
  await rejectsWith(migratePg(db, broken), 'REGISTRY_STORE_INVALID', /left at version/);
  assert.equal(await scalar(url, "SELECT to_regclass('sentio.extra') IS NULL"), true);
  const good = [
    ...PG_MIGRATIONS,
    { version: next, description: 'a column', sql: 'ALTER TABLE models ADD COLUMN note text' },
  ];
  assert.deepEqual(await migratePg(db, good), { from: PG_LATEST_SCHEMA_VERSION, to: next });
  assert.deepEqual(await migratePg(db, good), { from: next, to: next }, 'once only');
  for (const opts of [{}, { readonly: true }]) {
    await rejectsWith(openRegistry(url, opts), 'REGISTRY_STORE_TOO_NEW', /newer Sentio/);
  }
  assert.equal(
    await scalar(url, "SELECT value FROM sentio.meta WHERE key = 'schema_version'"),
    String(next),
  );
});

test('postgres: runs from before pids were recorded (schema v1) keep pid null and read as running', async (t) => {
  const url = await freshDatabase(t);
  const db = new PgDatabase(url, { readonly: false });
  t.after(() => db.close());
  await migratePg(
    db,
    PG_MIGRATIONS.filter((m) => m.version < 2),
  );
  const c = new pg.Client(url);
  await c.connect();
  try {
    // Started on this very host and never closed: without a pid nobody can tell it died.
    await c.query(
      `WITH e AS (INSERT INTO sentio.experiments (name, created_at) VALUES ('e', now()) RETURNING id)
       INSERT INTO sentio.runs (id, experiment_id, status, params, started_at, host, user_name, sentio_version)
       SELECT '0123456789ab', e.id, 'running', '{}', now(), $1, 'me', '0.1.0' FROM e`,
      [os.hostname()],
    );
  } finally {
    await c.end();
  }
  const reg = await openRegistry(url, { readonly: true }); // a reader migrates it forward too
  t.after(() => reg.close());
  assert.equal(await reg.schemaVersion(), PG_LATEST_SCHEMA_VERSION);
  const legacy = await reg.getRun('0123456789ab');
  assert.deepEqual([legacy.status, legacy.pid], ['running', null]);
  assert.deepEqual(
    (await reg.listRuns({ status: 'running' })).map((r) => r.id),
    ['0123456789ab'],
  );
});

test('postgres: a foreign "sentio" schema is not taken for a store', async (t) => {
  const url = await freshDatabase(t);
  const c = new pg.Client(url);
  await c.connect();
  await c.query('CREATE SCHEMA sentio; CREATE TABLE sentio.something_else (x int)');
  await c.end();
  await rejectsWith(openRegistry(url), 'REGISTRY_STORE_INVALID', /not a Sentio registry/);
});

test('postgres: a deadlocked write transaction is rolled back and re-run (both writers succeed); lock waits past the timeout are REGISTRY_STORE_BUSY', async (t) => {
  const url = await freshDatabase(t);
  const setup = await openRegistry(url);
  await registerFake(setup, 'a', 'x');
  await registerFake(setup, 'b', 'y');
  await setup.close();
  const db = new PgDatabase(url, { readonly: false, max: 4 });
  t.after(() => db.close());
  let attempts = 0;
  let arrived = 0;
  let release: () => void = () => {};
  const bothLocked = new Promise<void>((r) => {
    release = r;
  });
  // Two transactions lock the two model rows in opposite orders: PostgreSQL aborts one.
  const writer = (first: string, second: string) =>
    db.write(async (tx) => {
      attempts++;
      await tx.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [first]);
      if (++arrived === 2) release();
      await bothLocked;
      await tx.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [second]);
      await tx.query("UPDATE models SET description = description || '.' WHERE name = $1", [
        second,
      ]);
    });
  await Promise.all([writer('a', 'b'), writer('b', 'a')]);
  assert.equal(attempts, 3, 'the deadlock victim ran again');
  assert.equal(
    await scalar(url, "SELECT string_agg(description, ',' ORDER BY name) FROM sentio.models"),
    '.,.',
  );

  // A lock held past lock_timeout: REGISTRY_STORE_BUSY, not a hang.
  const holder = new pg.Client(url);
  holder.on('error', () => {}); // the database is dropped (FORCE) after the test
  await holder.connect();
  t.after(() => holder.end());
  await holder.query("BEGIN; SELECT 1 FROM sentio.models WHERE name = 'a' FOR UPDATE");
  const impatient = new PgDatabase(url, { readonly: false, max: 1, lockTimeoutMs: 300 });
  t.after(() => impatient.close());
  await rejectsWith(
    impatient.write((tx) => tx.query("UPDATE models SET description = 'z' WHERE name = 'a'")),
    'REGISTRY_STORE_BUSY',
    /stayed busy/,
  );
  await holder.query('ROLLBACK');
});
