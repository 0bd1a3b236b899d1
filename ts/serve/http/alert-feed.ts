/**
 * The dashboard's view of alerts: the current alerts of a model and the
 * state changes since a sequence number, read from the alert engine's tables
 * in `<store>/monitor.db` (ts/monitor/alerts writes them) through a
 * read-only connection of its own. Read-only and forgiving on purpose: a
 * store without monitoring, or without alerting yet (an older schema),
 * simply has no alerts; the dashboard must never fail because of them.
 * @module
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { monitorDbPath } from '../../monitor/index.js';

export interface AlertView {
  fingerprint: string;
  model: string;
  rule: string;
  labels: Record<string, string>;
  severity: string;
  state: string;
  value: number | null;
  threshold: number | null;
  summary: string;
  activeAt: number | null;
  firedAt: number | null;
  resolvedAt: number | null;
  updatedAt: number;
}

export interface AlertEventView {
  seq: number;
  at: number;
  model: string;
  rule: string;
  labels: Record<string, string>;
  severity: string;
  from: string;
  to: string;
  value: number | null;
  threshold: number | null;
  summary: string;
}

type Row = Record<string, unknown>;

function labelsOf(v: unknown): Record<string, string> {
  try {
    const o = JSON.parse(String(v)) as unknown;
    return o !== null && typeof o === 'object' ? (o as Record<string, string>) : {};
  } catch {
    return {};
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export class AlertFeed {
  private db: Database.Database | null = null;
  private retryAt = 0;

  constructor(private readonly storeDir: string) {}

  /** The connection, or null while monitor.db or its alert tables do not exist (retried every 2 s). */
  private open(): Database.Database | null {
    if (this.db !== null) return this.db;
    if (Date.now() < this.retryAt) return null;
    this.retryAt = Date.now() + 2000;
    const file = monitorDbPath(this.storeDir);
    if (!fs.existsSync(file)) return null;
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: 1000 });
      const t = db
        .prepare(
          "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('alerts', 'alert_events')",
        )
        .get() as { n: number };
      if (t.n < 2) {
        db.close();
        return null;
      }
      this.db = db;
      return db;
    } catch {
      db?.close();
      return null;
    }
  }

  private query(sql: string, ...params: unknown[]): Row[] {
    const db = this.open();
    if (db === null) return [];
    try {
      return db.prepare(sql).all(...params) as Row[];
    } catch {
      return [];
    }
  }

  /** Open (pending, firing) alerts first, then resolved ones, newest first; at most `limit`. */
  alerts(model?: string, limit = 100): AlertView[] {
    const where = model !== undefined ? 'WHERE model = ?' : '';
    const params: unknown[] = model !== undefined ? [model, limit] : [limit];
    return this.query(
      `SELECT * FROM alerts ${where}
       ORDER BY CASE state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, updated_at DESC LIMIT ?`,
      ...params,
    ).map((r) => ({
      fingerprint: String(r.fingerprint),
      model: String(r.model),
      rule: String(r.rule),
      labels: labelsOf(r.labels),
      severity: String(r.severity),
      state: String(r.state),
      value: num(r.value),
      threshold: num(r.threshold),
      summary: String(r.summary),
      activeAt: num(r.active_at),
      firedAt: num(r.fired_at),
      resolvedAt: num(r.resolved_at),
      updatedAt: Number(r.updated_at),
    }));
  }

  /** State changes with seq > `afterSeq` (of one model or all), oldest first; at most `limit`. */
  events(afterSeq: number, model?: string, limit = 200): AlertEventView[] {
    const where = model !== undefined ? 'AND model = ?' : '';
    const params: unknown[] = model !== undefined ? [afterSeq, model, limit] : [afterSeq, limit];
    return this.query(
      `SELECT * FROM (SELECT * FROM alert_events WHERE seq > ? ${where} ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      ...params,
    ).map((r) => ({
      seq: Number(r.seq),
      at: Number(r.at),
      model: String(r.model),
      rule: String(r.rule),
      labels: labelsOf(r.labels),
      severity: String(r.severity),
      from: String(r.from_state),
      to: String(r.to_state),
      value: num(r.value),
      threshold: num(r.threshold),
      summary: String(r.summary),
    }));
  }

  /** The newest event's seq (0 when none). */
  lastSeq(): number {
    const r = this.query('SELECT max(seq) AS s FROM alert_events')[0];
    return typeof r?.s === 'number' ? r.s : 0;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }
}
