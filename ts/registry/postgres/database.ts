/**
 * One pooled connection to a PostgreSQL store (node-postgres `pg.Pool`) and
 * the two ways the backend uses it:
 *
 * - `write(fn)`: one READ COMMITTED transaction. Statements that decide
 *   something from what they read take row locks first (`SELECT … FOR
 *   UPDATE`), so concurrent writers on other hosts queue instead of racing.
 *   Deadlocks and serialization failures roll back and re-run the whole
 *   transaction (safe: `fn` only talks to the database), a few times with
 *   jittered backoff, then surface as REGISTRY_STORE_BUSY. Every write
 *   transaction bumps `store_changes.counter` as its last statement, which
 *   is what `changeToken()` reads, and then NOTIFYs `sentio_changes`, which
 *   servers LISTEN to (change-listener.ts).
 * - `read(fn)`: a REPEATABLE READ, READ ONLY transaction, so a record
 *   assembled from several queries (a version with its tags and aliases)
 *   comes from one snapshot.
 *
 * Column types come back as the SQLite backend returns them: bigint as a
 * JS number, json as its text (decoded by ../json.ts like SQLite's), and
 * timestamptz as an ISO 8601 string.
 * @module
 */
import pg from 'pg';
import { SentioError } from '../../errors/index.js';
import { isRetryable, mapPgError } from './errors.js';

/** The channel every write transaction NOTIFYs on commit. */
export const CHANGES_CHANNEL = 'sentio_changes';

import { redactUrl } from './url.js';

/** Tables live in their own schema, so a shared database keeps its `public` schema to itself. */
export const PG_SCHEMA = 'sentio';
/** How long a statement waits for a row lock before REGISTRY_STORE_BUSY (SQLite's busy timeout). */
export const LOCK_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 6;

const OID = { int8: 20, json: 114, jsonb: 3802, timestamptz: 1184 } as const;

const parseTimestamptz = pg.types.getTypeParser(OID.timestamptz) as (s: string) => Date;

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === OID.int8) {
      return (s: string) => {
        const n = Number(s);
        if (!Number.isSafeInteger(n))
          throw new Error(`bigint ${s} exceeds JS's safe integer range`);
        return n;
      };
    }
    if (oid === OID.json || oid === OID.jsonb) return (s: string) => s;
    if (oid === OID.timestamptz) return (s: string) => parseTimestamptz(s).toISOString();
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export type Tx = pg.PoolClient;
export type Row = Record<string, unknown>;

export interface DatabaseOptions {
  readonly: boolean;
  /** Pool size (default: $SENTIO_PG_POOL_MAX, else 4). */
  max?: number;
  /** Row-lock wait before REGISTRY_STORE_BUSY (default LOCK_TIMEOUT_MS). */
  lockTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PgDatabase {
  readonly pool: pg.Pool;
  /** The URL without its password, for messages. */
  readonly store: string;
  private closed = false;

  constructor(
    readonly url: string,
    readonly opts: DatabaseOptions,
  ) {
    this.store = redactUrl(url);
    const settings = [`-c search_path=${PG_SCHEMA}`];
    if (opts.readonly) settings.push('-c default_transaction_read_only=on');
    const max = opts.max ?? (Number(process.env.SENTIO_PG_POOL_MAX) || 4);
    this.pool = new pg.Pool({
      connectionString: url,
      max,
      types,
      lock_timeout: opts.lockTimeoutMs ?? LOCK_TIMEOUT_MS,
      options: settings.join(' '),
      application_name: 'sentio',
      connectionTimeoutMillis: 15_000,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closed) {
      throw new SentioError('REGISTRY_STORE_INVALID', `the store ${this.store} is closed`);
    }
    try {
      return await this.pool.connect();
    } catch (e) {
      throw mapPgError(e, this.store);
    }
  }

  /** One statement outside any explicit transaction. */
  async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    const c = await this.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } catch (e) {
      throw mapPgError(e, this.store);
    } finally {
      c.release();
    }
  }

  /** A consistent read of several statements (REPEATABLE READ, READ ONLY). */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run(fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', false);
  }

  /** A write transaction (see the module comment); re-run on deadlock or serialization failure. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run(fn, 'BEGIN', true);
  }

  private async run<T>(fn: (tx: Tx) => Promise<T>, begin: string, write: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.connect();
      let broken: Error | undefined;
      try {
        await c.query(begin);
        const out = await fn(c);
        if (write) {
          await c.query('UPDATE store_changes SET counter = counter + 1, at = now()');
          // Delivered to listening servers when (and only if) this commits (change-listener.ts).
          await c.query(`NOTIFY ${CHANGES_CHANNEL}`);
        }
        await c.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await c.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        if (isRetryable(e) && attempt < MAX_ATTEMPTS) {
          await sleep(Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        throw mapPgError(e, this.store);
      } finally {
        c.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
