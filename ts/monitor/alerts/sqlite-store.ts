/**
 * The SQLite alert store: rules, alert state, history and deliveries in
 * monitor.db (tables of monitoring schema 2), on a connection of its own so
 * alert writes never interleave with a logger batch's transaction.
 *
 * `apply` runs the state machine inside one IMMEDIATE transaction that
 * re-reads the stored states first: when several server processes evaluate
 * the same model, each transition is committed, and so notified, once.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import { isPostgresUrl, redactUrl } from '../../registry/index.js';
import { monitorDbPath } from '../open.js';
import { mapMonitorError, openMonitorDatabase } from '../sqlite/backend.js';
import { fingerprint, isOpen, step } from './state-machine.js';
import type {
  AlertEvent,
  AlertFilter,
  AlertNotification,
  AlertRecord,
  AlertRule,
  AlertState,
  AlertStore,
  DeliveryRecord,
  DeliveryResult,
  HistoryFilter,
  Observation,
  Severity,
  StoredRules,
  Transition,
} from './types.js';

type Row = Record<string, unknown>;

function toAlert(r: Row): AlertRecord {
  return {
    fingerprint: r.fingerprint as string,
    model: r.model as string,
    rule: r.rule as string,
    labels: JSON.parse(r.labels as string) as Record<string, string>,
    severity: r.severity as Severity,
    state: r.state as AlertState,
    value: (r.value as number | null) ?? null,
    threshold: (r.threshold as number | null) ?? null,
    summary: r.summary as string,
    activeAt: (r.active_at as number | null) ?? null,
    firedAt: (r.fired_at as number | null) ?? null,
    resolvedAt: (r.resolved_at as number | null) ?? null,
    updatedAt: r.updated_at as number,
    notifiedAt: (r.notified_at as number | null) ?? null,
  };
}

function toEvent(r: Row): AlertEvent {
  return {
    seq: r.seq as number,
    at: r.at as number,
    fingerprint: r.fingerprint as string,
    model: r.model as string,
    rule: r.rule as string,
    labels: JSON.parse(r.labels as string) as Record<string, string>,
    severity: r.severity as Severity,
    from: r.from_state as AlertState,
    to: r.to_state as AlertState,
    value: (r.value as number | null) ?? null,
    threshold: (r.threshold as number | null) ?? null,
    summary: r.summary as string,
  };
}

function toDelivery(r: Row): DeliveryRecord {
  return {
    seq: r.seq as number,
    at: r.at as number,
    fingerprint: r.fingerprint as string,
    model: r.model as string,
    rule: r.rule as string,
    status: r.status as 'firing' | 'resolved',
    notifier: r.notifier as string,
    outcome: r.outcome as DeliveryRecord['outcome'],
    attempts: r.attempts as number,
    ...(r.error !== null && r.error !== undefined ? { error: r.error as string } : {}),
  };
}

/** WHERE for history-like tables (model, since) and the newest-`limit` wrapper. */
function historyQuery(table: string, f: HistoryFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.model !== undefined) {
    parts.push('model = ?');
    params.push(f.model);
  }
  if (f.since !== undefined) {
    parts.push('at >= ?');
    params.push(Math.floor(f.since));
  }
  if (f.afterSeq !== undefined) {
    parts.push('seq > ?');
    params.push(Math.floor(f.afterSeq));
  }
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  if (f.limit !== undefined) {
    params.push(Math.max(0, Math.floor(f.limit)));
    return {
      sql: `SELECT * FROM (SELECT * FROM ${table} ${where} ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      params,
    };
  }
  return { sql: `SELECT * FROM ${table} ${where} ORDER BY seq`, params };
}

export class SqliteAlertStore implements AlertStore {
  constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {}

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw mapMonitorError(e, this.location);
    }
  }

  async getRules(model: string): Promise<StoredRules | null> {
    return this.run(() => {
      const r = this.db.prepare('SELECT * FROM alert_rules WHERE model = ?').get(model) as
        | Row
        | undefined;
      if (r === undefined) return null;
      return {
        model,
        document: JSON.parse(r.spec as string) as Record<string, unknown>,
        updatedAt: r.updated_at as number,
        updatedBy: r.updated_by as string,
      };
    });
  }

  async setRules(
    model: string,
    document: Record<string, unknown>,
    who: string,
  ): Promise<StoredRules> {
    const at = Date.now();
    this.run(() =>
      this.db
        .prepare(
          `INSERT INTO alert_rules (model, spec, updated_at, updated_by) VALUES (?, ?, ?, ?)
           ON CONFLICT (model) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by`,
        )
        .run(model, JSON.stringify(document), at, who),
    );
    return { model, document, updatedAt: at, updatedBy: who };
  }

  async deleteRules(model: string): Promise<boolean> {
    return this.run(
      () => this.db.prepare('DELETE FROM alert_rules WHERE model = ?').run(model).changes > 0,
    );
  }

  async ruleModels(): Promise<string[]> {
    return this.run(() =>
      (this.db.prepare('SELECT model FROM alert_rules ORDER BY model').all() as Row[]).map(
        (r) => r.model as string,
      ),
    );
  }

  async apply(
    model: string,
    rules: readonly AlertRule[],
    observations: readonly Observation[],
    now: number,
    opts: { repeatIntervalMs?: number } = {},
  ): Promise<Transition[]> {
    const forOf = new Map(rules.filter((r) => r.enabled).map((r) => [r.name, r.forMs]));
    const get = this.db.prepare('SELECT * FROM alerts WHERE fingerprint = ?');
    const open = this.db.prepare(
      "SELECT * FROM alerts WHERE model = ? AND state IN ('pending', 'firing')",
    );
    const put = this.db.prepare(
      `INSERT INTO alerts (fingerprint, model, rule, labels, severity, state, value, threshold, summary,
         active_at, fired_at, resolved_at, updated_at, notified_at)
       VALUES (@fingerprint, @model, @rule, @labels, @severity, @state, @value, @threshold, @summary,
         @activeAt, @firedAt, @resolvedAt, @updatedAt, @notifiedAt)
       ON CONFLICT (fingerprint) DO UPDATE SET severity = excluded.severity, state = excluded.state,
         value = excluded.value, threshold = excluded.threshold, summary = excluded.summary,
         active_at = excluded.active_at, fired_at = excluded.fired_at, resolved_at = excluded.resolved_at,
         updated_at = excluded.updated_at, notified_at = excluded.notified_at`,
    );
    const event = this.db.prepare(
      `INSERT INTO alert_events (at, fingerprint, model, rule, labels, severity, from_state, to_state,
         value, threshold, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const tx = this.db.transaction(() => {
      const out: Transition[] = [];
      const seen = new Set<string>();
      const handle = (prev: AlertRecord | undefined, o: Observation | undefined) => {
        const forMs = o === undefined ? 0 : (forOf.get(o.rule) ?? 0);
        const r = step(model, prev, o, now, forMs, opts.repeatIntervalMs ?? 0);
        if (r.next !== null && r.next !== prev) {
          put.run({ ...r.next, labels: JSON.stringify(r.next.labels) });
        }
        const t = r.transition;
        if (t === null) return;
        if (t.from !== t.to) {
          const a = t.alert;
          event.run(
            now,
            a.fingerprint,
            model,
            a.rule,
            JSON.stringify(a.labels),
            a.severity,
            t.from,
            t.to,
            a.value,
            a.threshold,
            a.summary,
          );
        }
        out.push(t);
      };
      for (const o of observations) {
        const fp = fingerprint(model, o.rule, o.labels);
        if (seen.has(fp)) continue; // one verdict per alert per evaluation
        seen.add(fp);
        const row = get.get(fp) as Row | undefined;
        handle(row === undefined ? undefined : toAlert(row), o);
      }
      for (const row of open.all(model) as Row[]) {
        const a = toAlert(row);
        if (!seen.has(a.fingerprint) && isOpen(a.state)) handle(a, undefined);
      }
      return out;
    });
    return this.run(() => tx.immediate());
  }

  async alerts(filter: AlertFilter = {}): Promise<AlertRecord[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (filter.model !== undefined) {
      parts.push('model = ?');
      params.push(filter.model);
    }
    if (filter.states !== undefined && filter.states.length > 0) {
      parts.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      params.push(...filter.states);
    }
    const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
    return this.run(() =>
      (
        this.db
          .prepare(
            `SELECT * FROM alerts ${where}
             ORDER BY CASE state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
               CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, model, rule, updated_at DESC`,
          )
          .all(...params) as Row[]
      ).map(toAlert),
    );
  }

  async history(filter: HistoryFilter = {}): Promise<AlertEvent[]> {
    const q = historyQuery('alert_events', filter);
    return this.run(() => (this.db.prepare(q.sql).all(...q.params) as Row[]).map(toEvent));
  }

  async recordDelivery(n: AlertNotification, r: DeliveryResult, at: number): Promise<void> {
    this.run(() =>
      this.db
        .prepare(
          `INSERT INTO alert_deliveries (at, fingerprint, model, rule, status, notifier, outcome, attempts, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          Math.floor(at),
          n.alert.fingerprint,
          n.alert.model,
          n.alert.rule,
          n.status,
          r.notifier,
          r.outcome,
          r.attempts,
          r.error ?? null,
        ),
    );
  }

  async deliveries(filter: HistoryFilter = {}): Promise<DeliveryRecord[]> {
    const q = historyQuery('alert_deliveries', filter);
    return this.run(() => (this.db.prepare(q.sql).all(...q.params) as Row[]).map(toDelivery));
  }

  async prune(before: number): Promise<{ events: number; deliveries: number; alerts: number }> {
    const tx = this.db.transaction(() => ({
      events: this.db.prepare('DELETE FROM alert_events WHERE at < ?').run(before).changes,
      deliveries: this.db.prepare('DELETE FROM alert_deliveries WHERE at < ?').run(before).changes,
      alerts: this.db
        .prepare("DELETE FROM alerts WHERE state IN ('inactive', 'resolved') AND updated_at < ?")
        .run(before).changes,
    }));
    return this.run(() => tx.immediate());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export interface OpenAlertStoreOptions {
  /** Read only: monitor.db must exist and be at the current schema. */
  readonly?: boolean;
  busyTimeoutMs?: number;
}

/** The alert store of a store directory (`<store>/monitor.db`, migrated to schema 2 when opened for writing), or of a postgres:// store. */
export async function openAlertStore(
  location: string,
  opts: OpenAlertStoreOptions = {},
): Promise<AlertStore> {
  if (isPostgresUrl(location)) {
    const { openPgAlertStore } = await import('../postgres/open.js');
    return openPgAlertStore(location.trim(), { readonly: opts.readonly === true });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new SentioError(
      'MONITOR_BAD_OPTION',
      `unsupported monitoring store "${redactUrl(location)}": give a store directory or a postgres:// URL`,
      { store: redactUrl(location) },
    );
  }
  const file = monitorDbPath(location);
  if (opts.readonly && !fs.existsSync(file)) {
    throw new SentioError(
      'MONITOR_STORE_NOT_FOUND',
      `no monitoring database in ${path.resolve(location)} (no ${path.basename(file)}): no alerts were ever evaluated there`,
      { store: path.resolve(location), file },
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = openMonitorDatabase(file, {
    readonly: opts.readonly === true,
    ...(opts.busyTimeoutMs !== undefined ? { busyTimeoutMs: opts.busyTimeoutMs } : {}),
  });
  return new SqliteAlertStore(db, file);
}
