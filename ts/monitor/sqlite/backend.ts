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
import { enableWal } from '../../registry/index.js';
import * as shared from '../backend-rows.js';
import { columnsToRows, probabilitiesJson } from '../columns.js';
import type {
  FeedbackItem,
  FeedbackResult,
  LabelledRow,
  MonitorBackend,
  PredictionColumns,
  PredictionFilter,
  PredictionRow,
  PruneOptions,
  PruneReport,
  StoreStats,
  TokenBucket,
  VersionCount,
} from '../types.js';
import { encodeCounts } from './counts-blob.js';
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
        enableWal(db, opts.busyTimeoutMs ?? MONITOR_BUSY_TIMEOUT_MS);
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

/** WHERE clause and parameters of a filter (columns of `predictions` aliased `p`). */
function where(f: PredictionFilter): { sql: string; params: unknown[] } {
  const conditions = shared.filterConditions(f);
  const parts = conditions.map(([col, op]) => `p.${col} ${op} ?`);
  const params = conditions.map(([, , v]) => v);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Names safe to write into a statement as literals (model names, environments, arms). */
const LITERAL = /^[A-Za-z0-9_.:@/ -]{1,200}$/;

/** A SQL string literal (class names; no NUL, which a statement cannot hold). */
const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;

/**
 * The inserts of one stream (model version, environment, arm), text column
 * and class list: the stream's four columns as literals, the probabilities
 * bound as numbers into `json_object` (its JSON holds the same numbers as
 * JSON.stringify's), so a row binds 9 to 13 numbers and short strings
 * instead of 15 values and a JSON text built in JavaScript. `rows` inserts
 * ROWS_PER_INSERT rows per statement (a statement's run costs about as much
 * as binding a row: the better part of a row's cost), `plain` and
 * `measured` (with tokens) one row, for what is left. Each statement has
 * one reused argument list (no array per row).
 */
interface StreamInsert {
  rows: Database.Statement;
  plain: Database.Statement;
  measured: Database.Statement;
  rowsArgs: unknown[];
  plainArgs: unknown[];
  measuredArgs: unknown[];
  /** Probabilities as k numbers into json_object; false: one JSON text (many classes). */
  numbers: boolean;
  json: (p: ArrayLike<number>, offset: number) => string;
}

const STREAM_INSERTS_MAX = 64;
const ROWS_PER_INSERT = 32;
/** Up to this many classes the probabilities are bound as numbers. */
const JSON_OBJECT_MAX_CLASSES = 16;

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export class SqliteMonitorBackend implements MonitorBackend {
  readonly kind = 'sqlite';
  private readonly insert: Database.Statement;
  private readonly getBucket: Database.Statement;
  private readonly putBucket: Database.Statement;
  /** The rows `insert` writes (returns how many), then the bucket upserts. */
  private readonly writeTx: Database.Transaction<
    (insert: () => number, b: readonly TokenBucket[]) => number
  >;
  private readonly streamInserts = new Map<string, StreamInsert>();

  constructor(
    private readonly db: Db,
    readonly location: string,
    private readonly writer: string,
  ) {
    const ro = db.readonly;
    this.insert = ro
      ? (null as unknown as Database.Statement)
      : db.prepare(
          `INSERT OR IGNORE INTO predictions (${shared.PREDICTION_COLUMNS})
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
    this.writeTx = db.transaction((insert: () => number, buckets: readonly TokenBucket[]) => {
      const n = insert();
      this.addBuckets(buckets);
      return n;
    });
  }

  private insertRow(r: PredictionRow): number {
    return this.insert.run(...shared.predictionValues(r)).changes;
  }

  private streamInsert(b: PredictionColumns): StreamInsert | null {
    const textColumn = b.text !== null ? 'text' : b.textSha256 !== null ? 'text_sha256' : '';
    const key = `${b.model}\u0000${b.version}\u0000${b.env}\u0000${b.arm}\u0000${textColumn}\u0000${b.classes.join('\u0000')}`;
    let s = this.streamInserts.get(key);
    if (s !== undefined) return s;
    if (
      !LITERAL.test(b.model) ||
      !LITERAL.test(b.env) ||
      !LITERAL.test(b.arm) ||
      !Number.isSafeInteger(b.version)
    ) {
      return null;
    }
    const k = b.classes.length;
    const numbers =
      k > 0 && k <= JSON_OBJECT_MAX_CLASSES && b.classes.every((c) => !c.includes('\u0000'));
    const probabilities = numbers
      ? `json_object(${b.classes.map((c) => `${quote(c)}, ?`).join(', ')})`
      : '?';
    const cols = `model, version, env, arm, id, at, label, confidence, probabilities, latency_ms, text_length${textColumn ? `, ${textColumn}` : ''}`;
    const values = `'${b.model}', ${b.version}, '${b.env}', '${b.arm}', ?, ?, ?, ?, ${probabilities}, ?, ?${textColumn ? ', ?' : ''}`;
    const insert = (columns: string, rows: string) =>
      this.db.prepare(`INSERT OR IGNORE INTO predictions (${columns}) VALUES ${rows}`);
    if (this.streamInserts.size >= STREAM_INSERTS_MAX) this.streamInserts.clear();
    const n = 6 + (numbers ? k : 1) + (textColumn ? 1 : 0);
    s = {
      rows: insert(
        `${cols}, tokens, oov_tokens`,
        Array(ROWS_PER_INSERT).fill(`(${values}, ?, ?)`).join(', '),
      ),
      plain: insert(cols, `(${values})`),
      measured: insert(`${cols}, tokens, oov_tokens`, `(${values}, ?, ?)`),
      rowsArgs: new Array(ROWS_PER_INSERT * (n + 2)),
      plainArgs: new Array(n),
      measuredArgs: new Array(n + 2),
      numbers,
      json: probabilitiesJson(b.classes),
    };
    this.streamInserts.set(key, s);
    return s;
  }

  private insertColumns(b: PredictionColumns): number {
    const s = this.streamInsert(b);
    if (s === null) {
      let n = 0;
      for (const r of columnsToRows(b)) n += this.insertRow(r);
      return n;
    }
    const k = b.classes.length;
    const p = b.probabilities;
    const texts = b.text ?? b.textSha256;
    const tokens = b.tokens;
    const oov = b.oovTokens;
    /** Row i's values into `args` from `j` (tokens too when asked); returns where they end. */
    const put = (args: unknown[], j: number, i: number, withTokens: boolean): number => {
      args[j++] = b.ids[i];
      args[j++] = b.at[i];
      args[j++] = b.labels[i];
      args[j++] = b.confidence[i];
      if (s.numbers)
        for (let c = i * k, end = c + k; c < end; c++) args[j++] = finite(p[c] as number);
      else args[j++] = s.json(p, i * k);
      args[j++] = b.latencyMs[i];
      args[j++] = b.textLength[i];
      if (texts !== null) args[j++] = texts[i];
      if (withTokens) {
        const t = tokens === null ? -1 : (tokens[i] as number);
        args[j++] = t < 0 ? null : t;
        args[j++] = t < 0 || oov === null ? null : oov[i];
      }
      return j;
    };
    let n = 0;
    let i = 0;
    for (; i + ROWS_PER_INSERT <= b.length; i += ROWS_PER_INSERT) {
      let j = 0;
      for (let r = i; r < i + ROWS_PER_INSERT; r++) j = put(s.rowsArgs, j, r, true);
      n += s.rows.run(...s.rowsArgs).changes;
    }
    for (; i < b.length; i++) {
      if (tokens === null || (tokens[i] as number) < 0) {
        put(s.plainArgs, 0, i, false);
        n += s.plain.run(...s.plainArgs).changes;
      } else {
        put(s.measuredArgs, 0, i, true);
        n += s.measured.run(...s.measuredArgs).changes;
      }
    }
    return n;
  }

  private addBuckets(buckets: readonly TokenBucket[]): void {
    for (const b of buckets) {
      const old = this.getBucket.get(b.model, b.version, b.start, this.writer) as Row | undefined;
      const { docs, other, counts } = shared.addToStoredBucket(b, old);
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
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw mapMonitorError(e, this.location);
    }
  }

  /** One immediate transaction: each item inserted (the rows it added summed), then the buckets. */
  private write<T>(
    items: readonly T[],
    insert: (item: T) => number,
    buckets: readonly TokenBucket[],
  ): number {
    return this.run(() =>
      this.writeTx.immediate(() => {
        let n = 0;
        for (const x of items) n += insert(x);
        return n;
      }, buckets),
    );
  }

  async writeBatch(
    rows: readonly PredictionRow[],
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    return this.write(rows, (r) => this.insertRow(r), buckets);
  }

  async writeColumns(
    blocks: readonly PredictionColumns[],
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    return this.write(blocks, (b) => this.insertColumns(b), buckets);
  }

  /** `from`: the FROM clause (default the predictions alone, aliased p). */
  private select(f: PredictionFilter, columns: string, from = 'predictions p'): Row[] {
    const w = where(f);
    if (f.limit !== undefined) {
      const rows = this.db
        .prepare(`SELECT ${columns} FROM ${from} ${w.sql} ORDER BY p.at DESC, p.seq DESC LIMIT ?`)
        .all(...w.params, Math.max(0, Math.floor(f.limit))) as Row[];
      return rows.reverse();
    }
    return this.db
      .prepare(`SELECT ${columns} FROM ${from} ${w.sql} ORDER BY p.at, p.seq`)
      .all(...w.params) as Row[];
  }

  async predictions(f: PredictionFilter): Promise<PredictionRow[]> {
    return this.run(() => this.select(f, 'p.*').map(shared.predictionRow));
  }

  /**
   * Joined from the smaller side: usually a small share of predictions has
   * ground truth, and walking a busy window's predictions to probe the
   * feedback of each (a monitoring evaluation, every 15 s) would cost time
   * in the rows logged, not in the labels. Both sizes are estimated in
   * O(log n): feedback by its largest rowid, the window by the sequence
   * numbers of its first and last predictions (rows are numbered as they
   * are written, and written as they are logged).
   */
  async labelled(f: PredictionFilter): Promise<LabelledRow[]> {
    return this.run(() => {
      const feedback =
        (this.db.prepare('SELECT max(rowid) AS n FROM feedback').get() as Row).n ?? 0;
      const from =
        (feedback as number) < this.windowEstimate(f)
          ? 'feedback fb CROSS JOIN predictions p ON p.id = fb.prediction_id'
          : 'predictions p JOIN feedback fb ON fb.prediction_id = p.id';
      return this.select(f, 'p.*, fb.label AS truth', from).map((r) => ({
        ...shared.predictionRow(r),
        truth: r.truth as string,
      }));
    });
  }

  /** At least the predictions a filter's time range holds (all rows' sequence span, narrowed by `since`). */
  private windowEstimate(f: PredictionFilter): number {
    const last = (this.db.prepare('SELECT max(seq) AS s FROM predictions').get() as Row).s;
    if (last === null) return 0;
    const first =
      f.since === undefined
        ? (this.db.prepare('SELECT min(seq) AS s FROM predictions').get() as Row).s
        : (
            this.db
              .prepare('SELECT seq AS s FROM predictions WHERE at >= ? ORDER BY at LIMIT 1')
              .get(Math.floor(f.since)) as Row | undefined
          )?.s;
    return first === null || first === undefined ? 0 : (last as number) - (first as number) + 1;
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
      yield rows.map(shared.predictionRow);
    }
  }

  /**
   * With a model (monitoring's volume and version counts): per version, one
   * count over a range of the (model, version, at) index and two seeks for
   * the first and last time, the versions found by seeking from one to the
   * next. The cost is the window's rows (counted, not aggregated), not
   * every row the model ever logged.
   */
  async versions(f: PredictionFilter): Promise<VersionCount[]> {
    return this.run(() => {
      if (f.model === undefined) return this.versionCounts(f);
      const model = f.model;
      const next = this.db.prepare(
        'SELECT min(version) AS v FROM predictions WHERE model = ? AND version > ?',
      );
      const versions: number[] = [];
      if (f.version !== undefined) versions.push(f.version);
      else {
        for (
          let v = (next.get(model, -1) as Row).v;
          v !== null;
          v = (next.get(model, v) as Row).v
        ) {
          versions.push(v as number);
        }
      }
      const out: VersionCount[] = [];
      for (const version of versions) {
        const w = where({ ...f, version });
        const n = (
          this.db
            .prepare(`SELECT count(*) AS n FROM predictions p ${w.sql}`)
            .get(...w.params) as Row
        ).n as number;
        if (n === 0) continue;
        const at = (order: string) =>
          (
            this.db
              .prepare(`SELECT p.at FROM predictions p ${w.sql} ORDER BY p.at ${order} LIMIT 1`)
              .get(...w.params) as Row
          ).at as number;
        out.push({ model, version, predictions: n, first: at('ASC'), last: at('DESC') });
      }
      return out;
    });
  }

  private versionCounts(f: PredictionFilter): VersionCount[] {
    const w = where(f);
    return (
      this.db
        .prepare(
          `SELECT p.model, p.version, count(*) AS n, min(p.at) AS first, max(p.at) AS last
           FROM predictions p ${w.sql} GROUP BY p.model, p.version ORDER BY p.model, p.version`,
        )
        .all(...w.params) as Row[]
    ).map(shared.versionCount);
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
    return shared.bucketsByStart(model, version, rows);
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
      return shared.storeStats(p, f, b, this.usedBytes());
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
