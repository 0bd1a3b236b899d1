/**
 * The monitoring store's PostgreSQL connection: a node-postgres pool set up
 * like the registry's (same `SENTIO_PG_POOL_MAX`, bigint as a JS number,
 * read-only sessions for readers) but on its own schema, `sentio_monitor`,
 * and without the registry's change counter: prediction logs are written
 * every few hundred milliseconds and must never look like a registry change
 * to the servers that watch it (that is why they are separate files on
 * SQLite too).
 *
 * Failures become MONITOR_* codes: lock waits, deadlocks and serialization
 * failures MONITOR_STORE_BUSY (after retrying the transaction), a missing
 * database MONITOR_STORE_NOT_FOUND, a server that cannot be reached or
 * refuses the login MONITOR_STORE_UNREACHABLE. Messages show the URL
 * without its password.
 * @module
 */
import pg from 'pg';
import { type ErrorCode, SentioError } from '../../errors/index.js';
import { redactUrl } from '../../registry/index.js';

export const MONITOR_PG_SCHEMA = 'sentio_monitor';
const MAX_ATTEMPTS = 5;
const INT8 = 20;

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (s: string) => Number(s);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export type Tx = pg.PoolClient;
export type Row = Record<string, unknown>;

const NETWORK =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/;

export function mapMonitorPgError(e: unknown, store: string): unknown {
  if (e instanceof SentioError) return e;
  const code = (e as { code?: string })?.code ?? '';
  const message = (e as Error)?.message ?? String(e);
  const details = { store, sqlstate: code || undefined };
  const err = (c: ErrorCode, m: string) => new SentioError(c, m, details, { cause: e });
  if (['40001', '40P01', '55P03', '57014'].includes(code)) {
    return err('MONITOR_STORE_BUSY', `the monitoring store ${store} stayed busy: ${message}`);
  }
  if (code === '3D000') {
    return err('MONITOR_STORE_NOT_FOUND', `no such database for ${store}: ${message}`);
  }
  if (
    NETWORK.test(code) ||
    code.startsWith('08') ||
    code.startsWith('28') ||
    ['57P01', '57P02', '57P03'].includes(code) ||
    /Connection terminated|connection timeout|timeout expired/i.test(message)
  ) {
    return err(
      'MONITOR_STORE_UNREACHABLE',
      `cannot reach the monitoring store ${store}: ${message}`,
    );
  }
  return e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class MonitorPg {
  readonly pool: pg.Pool;
  /** The URL without its password. */
  readonly store: string;
  private closed = false;

  constructor(
    readonly url: string,
    readonly readonly: boolean,
    max?: number,
  ) {
    this.store = redactUrl(url);
    const settings = [`-c search_path=${MONITOR_PG_SCHEMA}`];
    if (readonly) settings.push('-c default_transaction_read_only=on');
    this.pool = new pg.Pool({
      connectionString: url,
      max: max ?? (Number(process.env.SENTIO_PG_POOL_MAX) || 4),
      types,
      lock_timeout: 30_000,
      options: settings.join(' '),
      application_name: 'sentio-monitor',
      connectionTimeoutMillis: 15_000,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    this.pool.on('error', () => {}); // an idle client losing its server: the next query reports it
  }

  async query<R extends Row = Row>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (this.closed) throw new SentioError('MONITOR_STORE_INVALID', `${this.store} is closed`);
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (e) {
      throw mapMonitorPgError(e, this.store);
    }
  }

  /** One READ COMMITTED transaction, re-run on deadlock or serialization failure. */
  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.closed) throw new SentioError('MONITOR_STORE_INVALID', `${this.store} is closed`);
    for (let attempt = 1; ; attempt++) {
      let c: pg.PoolClient;
      try {
        c = await this.pool.connect();
      } catch (e) {
        throw mapMonitorPgError(e, this.store);
      }
      let broken: Error | undefined;
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await c.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        const code = (e as { code?: string })?.code ?? '';
        if ((code === '40001' || code === '40P01') && attempt < MAX_ATTEMPTS) {
          await sleep(Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        throw mapMonitorPgError(e, this.store);
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
