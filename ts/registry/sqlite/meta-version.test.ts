import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { readMetaVersion } from './meta-version.js';

test('readMetaVersion tells an empty file, a foreign database, an unreadable and a readable version apart', () => {
  const db = new Database(':memory:');
  assert.deepEqual(readMetaVersion(db), { kind: 'empty' });
  db.exec('CREATE TABLE other (x)');
  assert.deepEqual(readMetaVersion(db), { kind: 'foreign' });
  db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  assert.deepEqual(readMetaVersion(db), { kind: 'unreadable' }, 'no schema_version row');
  db.prepare("INSERT INTO meta VALUES ('schema_version', '-1')").run();
  assert.deepEqual(readMetaVersion(db), { kind: 'unreadable' });
  db.prepare("UPDATE meta SET value = '7' WHERE key = 'schema_version'").run();
  assert.deepEqual(readMetaVersion(db), { kind: 'version', version: 7 });
  // Inside a caller's transaction it nests (a savepoint) and reads the same.
  assert.deepEqual(db.transaction(() => readMetaVersion(db)).immediate(), {
    kind: 'version',
    version: 7,
  });
  db.close();
});
