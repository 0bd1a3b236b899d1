/**
 * The SQLite monitoring backend (better-sqlite3), all of monitoring's SQL.
 *
 * Same habits as the registry's backend: WAL (the report reads while the
 * server writes), a busy timeout so several server processes queue their
 * batches instead of failing, errors translated to MONITOR_* codes. Unlike
 * the registry it runs synchronous=NORMAL: a log batch lost to a power cut
 * is acceptable (the logger already documents losing the last interval),
 * a registered version is not.
 * @module
 */
import Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import type {
  Arm,
  FeedbackItem,
  FeedbackResult,
  LabelledRow,
  MonitorBackend,
  PredictionFilter,
  PredictionRow,
  PruneOptions,
  PruneReport,
  StoreStats,
  TokenBucket,
  VersionCount,
} from '../types.js';
import { decodeCounts, encodeCounts } from './counts-blob.js';
import { checkVersion, MONITOR_SCHEMA_VERSION, migrateMonitor } from './migrations.js';

export const MONITOR_BUSY_TIMEOUT_MS = 10_000;

type Db = Database.Database;
type Row = Record<string, unknown>;

export function mapMonitorError(e: unknown, file: string): unknown {
  if (e instanceof SentioError) return e;
  const code = (e as { code?: string })?.code ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SentioError(
      'MONITOR_STORE_BUSY',
      `${file} stayed locked too long: ${message}`,
      { file },
      {
        cause: e,
      },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new SentioError(
      'MONITOR_STORE_INVALID',
      `${file} is not a readable monitoring database: ${message}`,
      { file },
      { cause: e },
    );
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new SentioError(
      'MONITOR_STORE_NOT_FOUND',
      `cannot open ${file}: ${message}`,
      { file },
      {
        cause: e,
      },
    );
  }
  return e;
}

export interface SqliteMonitorOptions {
  readonly: boolean;
  busyTimeoutMs?: number;
  /** Identifies this process's token-bucket rows (default: pid + random). */
  writer?: string;
}

/**
 * A connection to `file` with the monitoring pragmas, migrated to the current
 * schema (writers) or checked to be at it (readers). Also used by the alert
 * store (ts/monitor/alerts), which keeps its own connection to the same file.
 */
export function openMonitorDatabase(
  file: string,
  opts: { readonly: boolean; busyTimeoutMs?: number },
): Db {
  try {
    const db = new Database(file, {
      readonly: opts.readonly,
      fileMustExist: opts.readonly,
      timeout: opts.busyTimeoutMs ?? MONITOR_BUSY_TIMEOUT_MS,
    });
    try {
      if (opts.readonly) {
        if (checkVersion(db, file) < MONITOR_SCHEMA_VERSION) {
          throw new SentioError(
            'MONITOR_STORE_INVALID',
            `${file} has an older monitoring schema; open it once for writing (any logs command) to migrate it`,
            { file },
          );
        }
      } else {
        // Before WAL: switching journal mode writes the header, after which auto_vacuum is fixed.
        db.pragma('auto_vacuum = INCREMENTAL');
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        migrateMonitor(db, file);
      }
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  } catch (e) {
    throw mapMonitorError(e, file);
  }
}

export function openSqliteMonitor(file: string, opts: SqliteMonitorOptions): SqliteMonitorBackend {
  const db = openMonitorDatabase(file, opts);
  return new SqliteMonitorBackend(db, file, opts.writer ?? `${process.pid}-${randomTag()}`);
}

function randomTag(): string {
  return Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');
}

function toRow(r: Row): PredictionRow {
  return {
    id: r.id as string,
    at: r.at as number,
    model: r.model as string,
    version: r.version as number,
    env: r.env as string,
    arm: r.arm as Arm,
    label: r.label as string,
    confidence: r.confidence as number,
    probabilities: JSON.parse(r.probabilities as string) as Record<string, number>,
    latencyMs: r.latency_ms as number,
    textLength: r.text_length as number,
    text: (r.text as string | null) ?? null,
    textSha256: (r.text_sha256 as string | null) ?? null,
    tokens: (r.tokens as number | null) ?? null,
    oovTokens: (r.oov_tokens as number | null) ?? null,
  };
}

/** WHERE clause and parameters of a filter (columns of `predictions` aliased `p`). */
function where(f: PredictionFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    parts.push(sql);
    params.push(v);
  };
  if (f.model !== undefined) add('p.model = ?', f.model);
  if (f.version !== undefined) add('p.version = ?', f.version);
  if (f.env !== undefined) add('p.env = ?', f.env);
  if (f.arm !== undefined) add('p.arm = ?', f.arm);
  if (f.since !== undefined) add('p.at >= ?', Math.floor(f.since));
  if (f.until !== undefined) add('p.at < ?', Math.ceil(f.until));
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

export class SqliteMonitorBackend implements MonitorBackend {
  readonly kind = 'sqlite';
  private readonly insert: Database.Statement;
  private readonly getBucket: Database.Statement;
  private readonly putBucket: Database.Statement;
  private readonly writeTx: Database.Transaction<
    (rows: readonly PredictionRow[], b: readonly TokenBucket[]) => number
  >;

  constructor(
    private readonly db: Db,
    readonly location: string,
    private readonly writer: string,
  ) {
    const ro = db.readonly;
    this.insert = ro
      ? (null as unknown as Database.Statement)
      : db.prepare(
          `INSERT OR IGNORE INTO predictions (id, at, model, version, env, arm, label, confidence, probabilities,
             latency_ms, text_length, text, text_sha256, tokens, oov_tokens)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
    this.getBucket = db.prepare(
      'SELECT docs, other, counts FROM token_buckets WHERE model = ? AND version = ? AND start = ? AND writer = ?',
    );
    this.putBucket = ro
      ? (null as unknown as Database.Statement)
      : db.prepare(
          `INSERT INTO token_buckets (model, version, start, writer, docs, other, counts) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (model, version, start, writer) DO UPDATE SET docs = excluded.docs, other = excluded.other, counts = excluded.counts`,
        );
    this.writeTx = db.transaction(
      (rows: readonly PredictionRow[], buckets: readonly TokenBucket[]) => {
        let n = 0;
        for (const r of rows) {
          n += this.insert.run(
            r.id,
            r.at,
            r.model,
            r.version,
            r.env,
            r.arm,
            r.label,
            r.confidence,
            JSON.stringify(r.probabilities),
            r.latencyMs,
            r.textLength,
            r.text,
            r.textSha256,
            r.tokens,
            r.oovTokens,
          ).changes;
        }
        for (const b of buckets) {
          const old = this.getBucket.get(b.model, b.version, b.start, this.writer) as
            | Row
            | undefined;
          const counts = new Map(b.counts);
          let docs = b.docs;
          let other = b.other;
          if (old) {
            docs += old.docs as number;
            other += old.other as number;
            for (const [slot, c] of decodeCounts(old.counts as Uint8Array)) {
              counts.set(slot, (counts.get(slot) ?? 0) + c);
            }
          }
          this.putBucket.run(
            b.model,
            b.version,
            b.start,
            this.writer,
            docs,
            other,
            encodeCounts(counts),
          );
        }
        return n;
      },
    );
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw mapMonitorError(e, this.location);
    }
  }

  async writeBatch(
    rows: readonly PredictionRow[],
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    return this.run(() => this.writeTx.immediate(rows, buckets));
  }

  private select(f: PredictionFilter, columns: string, join = ''): Row[] {
    const w = where(f);
    if (f.limit !== undefined) {
      const rows = this.db
        .prepare(
          `SELECT ${columns} FROM predictions p ${join} ${w.sql} ORDER BY p.at DESC, p.seq DESC LIMIT ?`,
        )
        .all(...w.params, Math.max(0, Math.floor(f.limit))) as Row[];
      return rows.reverse();
    }
    return this.db
      .prepare(`SELECT ${columns} FROM predictions p ${join} ${w.sql} ORDER BY p.at, p.seq`)
      .all(...w.params) as Row[];
  }

  async predictions(f: PredictionFilter): Promise<PredictionRow[]> {
    return this.run(() => this.select(f, 'p.*').map(toRow));
  }

  async labelled(f: PredictionFilter): Promise<LabelledRow[]> {
    return this.run(() =>
      this.select(f, 'p.*, fb.label AS truth', 'JOIN feedback fb ON fb.prediction_id = p.id').map(
        (r) => ({ ...toRow(r), truth: r.truth as string }),
      ),
    );
  }

  async *scan(f: PredictionFilter, pageSize = 5000): AsyncIterable<PredictionRow[]> {
    if (f.limit !== undefined) {
      yield await this.predictions(f);
      return;
    }
    const w = where(f);
    let after = -1;
    const clause = w.sql ? `${w.sql} AND p.seq > ?` : 'WHERE p.seq > ?';
    const stmt = this.db.prepare(`SELECT p.* FROM predictions p ${clause} ORDER BY p.seq LIMIT ?`);
    for (;;) {
      const rows = this.run(() => stmt.all(...w.params, after, pageSize) as Row[]);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]?.seq as number;
      yield rows.map(toRow);
    }
  }

  async versions(f: PredictionFilter): Promise<VersionCount[]> {
    const w = where(f);
    return this.run(() =>
      (
        this.db
          .prepare(
            `SELECT p.model, p.version, count(*) AS n, min(p.at) AS first, max(p.at) AS last
             FROM predictions p ${w.sql} GROUP BY p.model, p.version ORDER BY p.model, p.version`,
          )
          .all(...w.params) as Row[]
      ).map((r) => ({
        model: r.model as string,
        version: r.version as number,
        predictions: r.n as number,
        first: r.first as number,
        last: r.last as number,
      })),
    );
  }

  async tokenBuckets(
    model: string,
    version: number,
    since: number,
    until: number,
  ): Promise<TokenBucket[]> {
    const rows = this.run(
      () =>
        this.db
          .prepare(
            `SELECT start, docs, other, counts FROM token_buckets
             WHERE model = ? AND version = ? AND start >= ? AND start < ? ORDER BY start`,
          )
          .all(model, version, Math.floor(since), Math.ceil(until)) as Row[],
    );
    const byStart = new Map<number, TokenBucket>();
    for (const r of rows) {
      const start = r.start as number;
      let b = byStart.get(start);
      if (!b) {
        b = { model, version, start, docs: 0, other: 0, counts: new Map() };
        byStart.set(start, b);
      }
      b.docs += r.docs as number;
      b.other += r.other as number;
      for (const [slot, c] of decodeCounts(r.counts as Uint8Array)) {
        b.counts.set(slot, (b.counts.get(slot) ?? 0) + c);
      }
    }
    return [...byStart.values()];
  }

  async recordFeedback(items: readonly FeedbackItem[]): Promise<FeedbackResult> {
    const known = this.db.prepare('SELECT 1 FROM predictions WHERE id = ?');
    const existing = this.db.prepare('SELECT label FROM feedback WHERE prediction_id = ?');
    const put = this.db.prepare(
      `INSERT INTO feedback (prediction_id, label, at, source) VALUES (?, ?, ?, ?)
       ON CONFLICT (prediction_id) DO UPDATE SET label = excluded.label, at = excluded.at, source = excluded.source`,
    );
    const tx = this.db.transaction(() => {
      const out: FeedbackResult = { recorded: 0, updated: 0, unknown: [] };
      for (const it of items) {
        if (known.get(it.predictionId) === undefined) {
          out.unknown.push(it.predictionId);
          continue;
        }
        if (existing.get(it.predictionId) === undefined) out.recorded++;
        else out.updated++;
        put.run(it.predictionId, it.label, Math.floor(it.at ?? Date.now()), it.source ?? null);
      }
      return out;
    });
    return this.run(() => tx.immediate());
  }

  private usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  async prune(opts: PruneOptions): Promise<PruneReport> {
    return this.run(() => {
      const bytesBefore = this.usedBytes();
      let deletedPredictions = 0;
      let deletedFeedback = 0;
      let deletedBuckets = 0;
      const dropOlderThan = (at: number) => {
        const tx = this.db.transaction(() => {
          deletedFeedback += this.db
            .prepare(
              'DELETE FROM feedback WHERE prediction_id IN (SELECT id FROM predictions WHERE at < ?)',
            )
            .run(at).changes;
          deletedPredictions += this.db
            .prepare('DELETE FROM predictions WHERE at < ?')
            .run(at).changes;
          deletedBuckets += this.db
            .prepare('DELETE FROM token_buckets WHERE start < ?')
            .run(at).changes;
        });
        tx.immediate();
      };
      if (opts.before !== undefined) dropOlderThan(Math.floor(opts.before));
      if (opts.maxBytes !== undefined) {
        // Oldest first, in steps sized from the average row, until under the limit.
        for (let guard = 0; guard < 64 && this.usedBytes() > opts.maxBytes; guard++) {
          const n = (this.db.prepare('SELECT count(*) AS n FROM predictions').get() as Row)
            .n as number;
          if (n === 0) break;
          const used = this.usedBytes();
          const share = Math.min(1, (used - opts.maxBytes) / used + 0.01);
          const k = Math.max(1, Math.ceil(n * share));
          const cut = this.db
            .prepare('SELECT at FROM predictions ORDER BY at LIMIT 1 OFFSET ?')
            .get(Math.min(n - 1, k - 1)) as Row;
          dropOlderThan((cut.at as number) + 1);
          this.db.pragma('incremental_vacuum');
        }
      }
      this.db.pragma('incremental_vacuum');
      return {
        deletedPredictions,
        deletedFeedback,
        deletedBuckets,
        bytesBefore,
        bytesAfter: this.usedBytes(),
      };
    });
  }

  async stats(): Promise<StoreStats> {
    return this.run(() => {
      const p = this.db
        .prepare('SELECT count(*) AS n, min(at) AS oldest, max(at) AS newest FROM predictions')
        .get() as Row;
      const f = this.db.prepare('SELECT count(*) AS n FROM feedback').get() as Row;
      const b = this.db.prepare('SELECT count(*) AS n FROM token_buckets').get() as Row;
      return {
        predictions: p.n as number,
        feedback: f.n as number,
        buckets: b.n as number,
        bytes: this.usedBytes(),
        oldest: (p.oldest as number | null) ?? null,
        newest: (p.newest as number | null) ?? null,
      };
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
