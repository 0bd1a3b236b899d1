import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openRegistry } from './open.js';
import { openRawDatabase } from './sqlite/backend.js';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  migrate,
  readSchemaVersion,
} from './sqlite/migrations.js';
import { registerFake, runCli, tempDir } from './test-support/fixtures.js';

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

function metaValue(file: string, key: string): string | undefined {
  const db = openRawDatabase(file);
  try {
    return (
      db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
    )?.value;
  } finally {
    db.close();
  }
}

test('sqlite: the migration list is ordered, contiguous and ends at LATEST_SCHEMA_VERSION', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    Array.from({ length: MIGRATIONS.length }, (_, i) => i + 1),
  );
  assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.length);
  assert.ok(LATEST_SCHEMA_VERSION >= 2, 'there is an older schema to migrate from');
});

test('sqlite: a new store is created at the latest schema with WAL, store id and creator', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  const reg = await openRegistry(dir);
  assert.equal(await reg.schemaVersion(), LATEST_SCHEMA_VERSION);
  await reg.close();
  const db = path.join(dir, 'registry.db');
  assert.equal(metaValue(db, 'schema_version'), String(LATEST_SCHEMA_VERSION));
  assert.match(metaValue(db, 'store_id') ?? '', /^[0-9a-f-]{36}$/);
  const raw = openRawDatabase(db);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.close();
});

test('sqlite: an older store (schema v1, with data) is migrated forward and keeps its data', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'registry.db');
  // What an older Sentio wrote: only the first migration, and some data in it.
  const old = openRawDatabase(file);
  old.pragma('journal_mode = WAL');
  migrate(old, file, MIGRATIONS.slice(0, 1));
  assert.equal(readSchemaVersion(old, file), 1);
  const model = old
    .prepare(
      "INSERT INTO models (name, created_at, next_version) VALUES ('legacy', '2025-01-01T00:00:00Z', 2)",
    )
    .run().lastInsertRowid;
  old
    .prepare(
      `INSERT INTO versions (model_id, version, created_at, model_sha256, config, description)
       VALUES (?, 1, '2025-01-01T00:00:00Z', ?, '{"alpha":1}', 'from v1')`,
    )
    .run(model, 'c'.repeat(64));
  assert.throws(() => old.prepare('SELECT * FROM evaluations').all(), /no such table/);
  old.close();

  const reg = await openRegistry(dir);
  t.after(() => reg.close());
  assert.equal(await reg.schemaVersion(), LATEST_SCHEMA_VERSION);
  const v = await reg.resolve('legacy@1');
  assert.equal(v.description, 'from v1');
  assert.deepEqual(v.config, { alpha: 1 });
  // Features of the newer schema work on the migrated store, numbering continues.
  const e = await reg.recordEvaluation({
    model: 'legacy',
    version: 1,
    dataset: null,
    metrics: { accuracy: 1 },
  });
  assert.equal(e.id, 1);
  assert.equal((await registerFake(reg, 'legacy', 'new')).version.version, 2);
  assert.equal(metaValue(file, 'schema_version'), String(LATEST_SCHEMA_VERSION));
  assert.deepEqual(await reg.checkIntegrity(), ['ok']);
});

test('sqlite: runs from before pids were recorded (schema v3) keep pid null and read as running', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'registry.db');
  const old = openRawDatabase(file);
  migrate(
    old,
    file,
    MIGRATIONS.filter((m) => m.version < 4),
  );
  const exp = old
    .prepare("INSERT INTO experiments (name, created_at) VALUES ('e', '2025-01-01T00:00:00Z')")
    .run().lastInsertRowid;
  // Started on this very host and never closed: without a pid nobody can tell it died.
  old
    .prepare(
      `INSERT INTO runs (id, experiment_id, status, params, started_at, host, user, sentio_version)
       VALUES ('0123456789ab', ?, 'running', '{}', '2025-01-01T00:00:00Z', ?, 'me', '0.1.0')`,
    )
    .run(exp, os.hostname());
  old.close();

  const reg = await openRegistry(dir);
  t.after(() => reg.close());
  const legacy = await reg.getRun('0123456789ab');
  assert.deepEqual([legacy.status, legacy.pid], ['running', null]);
  assert.deepEqual(
    (await reg.listRuns({ status: 'running' })).map((r) => r.id),
    ['0123456789ab'],
  );
  assert.equal((await reg.createRun({ experiment: 'e', params: {} })).pid, process.pid);
  assert.deepEqual(await reg.checkIntegrity(), ['ok']);
});

test('sqlite: a reader migrates an older store too (it cannot read it otherwise)', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'registry.db');
  const old = openRawDatabase(file);
  migrate(old, file, MIGRATIONS.slice(0, 1));
  old.close();
  const ro = await openRegistry(dir, { readonly: true });
  assert.equal(await ro.schemaVersion(), LATEST_SCHEMA_VERSION);
  await ro.close();
});

test('sqlite: a failing migration step rolls back entirely: the store stays at its old version', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'registry.db');
  const db = openRawDatabase(file);
  t.after(() => db.close());
  migrate(db, file, MIGRATIONS.slice(0, 1));
  const broken = [
    ...MIGRATIONS.slice(0, 1),
    {
      version: 2,
      description: 'half good',
      sql: 'CREATE TABLE extra (x INTEGER); SELECT no_such_function();',
    },
  ];
  assert.throws(
    () => migrate(db, file, broken),
    (e: Error & { code?: string }) =>
      e.code === 'REGISTRY_STORE_INVALID' && /left at version 1/.test(e.message),
  );
  assert.equal(readSchemaVersion(db, file), 1);
  assert.equal(
    db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'extra'").get(),
    undefined,
    'the first statement of the failed step was rolled back too',
  );
});

test('sqlite: a store from a newer Sentio is refused politely and left untouched (library and CLI)', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  const reg = await openRegistry(dir);
  await registerFake(reg, 'm', 'a');
  await reg.close();
  const file = path.join(dir, 'registry.db');
  const raw = openRawDatabase(file);
  raw
    .prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'")
    .run(String(LATEST_SCHEMA_VERSION + 1));
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  const before = fs.readFileSync(file);

  for (const opts of [{}, { readonly: true }]) {
    await rejectsWith(
      openRegistry(dir, opts),
      'REGISTRY_STORE_TOO_NEW',
      /newer Sentio .*Upgrade Sentio/,
    );
  }
  const cli = await runCli(['models', 'list', '--store', dir]);
  assert.equal(cli.code, 6);
  assert.match(cli.stderr, /REGISTRY_STORE_TOO_NEW: the store .* was written by a newer Sentio/);
  assert.equal(cli.stdout, '');
  assert.deepEqual(fs.readFileSync(file), before, 'not modified');
  assert.equal(metaValue(file, 'schema_version'), String(LATEST_SCHEMA_VERSION + 1));
});

test('sqlite: files that are not a Sentio registry are refused', async (t) => {
  const dir = tempDir(t);
  const garbage = path.join(dir, 'garbage');
  fs.mkdirSync(garbage);
  fs.writeFileSync(
    path.join(garbage, 'registry.db'),
    'this is not sqlite at all, just text '.repeat(50),
  );
  await rejectsWith(openRegistry(garbage), 'REGISTRY_STORE_INVALID');

  const foreign = path.join(dir, 'foreign');
  fs.mkdirSync(foreign);
  const db = openRawDatabase(path.join(foreign, 'registry.db'));
  db.exec('CREATE TABLE something_else (x)');
  db.close();
  await rejectsWith(openRegistry(foreign), 'REGISTRY_STORE_INVALID', /not a Sentio registry/);
});
