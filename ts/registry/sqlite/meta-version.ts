/**
 * Reading a Sentio SQLite file's schema version from its `meta` table, shared
 * by the registry and the monitoring database.
 *
 * The reads run in one read transaction: "is there a meta table?" and "are
 * there any tables?" must see the same snapshot. Read separately, a process
 * that finds no meta table, then counts the tables a racing process has just
 * created, calls a brand-new store foreign (found by a loop of six processes
 * opening one new store at the same instant).
 * @module
 */
import type Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';

export type MetaVersion =
  /** No tables at all: a new file, to be created. */
  | { kind: 'empty' }
  /** Tables, but no meta table: some other program's database. */
  | { kind: 'foreign' }
  /** A meta table whose schema_version is missing or not a whole number. */
  | { kind: 'unreadable' }
  | { kind: 'version'; version: number };

export function readMetaVersion(db: Database.Database): MetaVersion {
  const read = db.transaction((): MetaVersion => {
    const tables = db
      .prepare(
        "SELECT count(*) AS n, coalesce(sum(name = 'meta'), 0) AS meta FROM sqlite_schema WHERE type = 'table'",
      )
      .get() as { n: number; meta: number };
    if (tables.meta === 0) return tables.n === 0 ? { kind: 'empty' } : { kind: 'foreign' };
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    const version = Number(row?.value ?? Number.NaN);
    if (!Number.isSafeInteger(version) || version < 0) return { kind: 'unreadable' };
    return { kind: 'version', version };
  });
  return read.deferred();
}

/**
 * The schema version of a store file: 0 for an empty one; `invalidCode`
 * (naming what the file should have been, e.g. "a Sentio registry") for a
 * foreign database or an unreadable version.
 */
export function schemaVersionOf(
  db: Database.Database,
  file: string,
  invalidCode: string,
  expected: string,
): number {
  const found = readMetaVersion(db);
  switch (found.kind) {
    case 'empty':
      return 0;
    case 'version':
      return found.version;
    case 'foreign':
      throw new SentioError(
        invalidCode,
        `${file} is a SQLite database but not ${expected} (no meta table)`,
        { file },
      );
    case 'unreadable':
      throw new SentioError(invalidCode, `${file}: unreadable schema version`, { file });
  }
}
