/**
 * The PostgreSQL alert store: rules, alert state, history and deliveries in
 * the `sentio_monitor` schema, behind the same `AlertStore` as SQLite's.
 *
 * `apply` runs the state machine in one transaction that first takes a
 * transaction-scoped advisory lock on the model (hashtext of its name) and
 * then re-reads the stored states: servers on several hosts evaluating the
 * same model queue behind each other, so each transition is committed, and
 * notified, once — SQLite's IMMEDIATE transaction, across hosts.
 * @module
 */
import { fingerprint, isOpen, step } from '../alerts/state-machine.js';
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
} from '../alerts/types.js';
import type { MonitorPg, Row } from './database.js';

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

function toAlert(r: Row): AlertRecord {
  return {
    fingerprint: r.fingerprint as string,
    model: r.model as string,
    rule: r.rule as string,
    labels: json(r.labels) as Record<string, string>,
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
    labels: json(r.labels) as Record<string, string>,
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

function historyQuery(table: string, f: HistoryFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    parts.push(`${sql} $${params.length}`);
  };
  if (f.model !== undefined) add('model =', f.model);
  if (f.since !== undefined) add('at >=', Math.floor(f.since));
  if (f.afterSeq !== undefined) add('seq >', Math.floor(f.afterSeq));
  const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  if (f.limit !== undefined) {
    params.push(Math.max(0, Math.floor(f.limit)));
    return {
      sql: `SELECT * FROM (SELECT * FROM ${table} ${where} ORDER BY seq DESC LIMIT $${params.length}) x ORDER BY seq`,
      params,
    };
  }
  return { sql: `SELECT * FROM ${table} ${where} ORDER BY seq`, params };
}

const PUT_ALERT = `INSERT INTO alerts (fingerprint, model, rule, labels, severity, state, value, threshold, summary,
    active_at, fired_at, resolved_at, updated_at, notified_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
  ON CONFLICT (fingerprint) DO UPDATE SET severity = excluded.severity, state = excluded.state,
    value = excluded.value, threshold = excluded.threshold, summary = excluded.summary,
    active_at = excluded.active_at, fired_at = excluded.fired_at, resolved_at = excluded.resolved_at,
    updated_at = excluded.updated_at, notified_at = excluded.notified_at`;

export class PgAlertStore implements AlertStore {
  readonly location: string;

  constructor(private readonly db: MonitorPg) {
    this.location = db.store;
  }

  async getRules(model: string): Promise<StoredRules | null> {
    const r = (await this.db.query('SELECT * FROM alert_rules WHERE model = $1', [model]))[0];
    if (r === undefined) return null;
    return {
      model,
      document: json(r.spec) as Record<string, unknown>,
      updatedAt: r.updated_at as number,
      updatedBy: r.updated_by as string,
    };
  }

  async setRules(
    model: string,
    document: Record<string, unknown>,
    who: string,
  ): Promise<StoredRules> {
    const at = Date.now();
    await this.db.query(
      `INSERT INTO alert_rules (model, spec, updated_at, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (model) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
      [model, JSON.stringify(document), at, who],
    );
    return { model, document, updatedAt: at, updatedBy: who };
  }

  async deleteRules(model: string): Promise<boolean> {
    return (
      (await this.db.query('DELETE FROM alert_rules WHERE model = $1 RETURNING model', [model]))
        .length > 0
    );
  }

  async ruleModels(): Promise<string[]> {
    return (await this.db.query('SELECT model FROM alert_rules ORDER BY model')).map(
      (r) => r.model as string,
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
    return this.db.tx(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sentio-alerts:${model}`]);
      const out: Transition[] = [];
      const seen = new Set<string>();
      const handle = async (prev: AlertRecord | undefined, o: Observation | undefined) => {
        const forMs = o === undefined ? 0 : (forOf.get(o.rule) ?? 0);
        const r = step(model, prev, o, now, forMs, opts.repeatIntervalMs ?? 0);
        const n = r.next;
        if (n !== null && n !== prev) {
          await tx.query(PUT_ALERT, [
            n.fingerprint,
            n.model,
            n.rule,
            JSON.stringify(n.labels),
            n.severity,
            n.state,
            n.value,
            n.threshold,
            n.summary,
            n.activeAt,
            n.firedAt,
            n.resolvedAt,
            n.updatedAt,
            n.notifiedAt,
          ]);
        }
        const t = r.transition;
        if (t === null) return;
        if (t.from !== t.to) {
          const a = t.alert;
          await tx.query(
            `INSERT INTO alert_events (at, fingerprint, model, rule, labels, severity, from_state, to_state,
               value, threshold, summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
            [
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
            ],
          );
        }
        out.push(t);
      };
      for (const o of observations) {
        const fp = fingerprint(model, o.rule, o.labels);
        if (seen.has(fp)) continue; // one verdict per alert per evaluation
        seen.add(fp);
        const row = (await tx.query('SELECT * FROM alerts WHERE fingerprint = $1', [fp])).rows[0];
        await handle(row === undefined ? undefined : toAlert(row), o);
      }
      const open = (
        await tx.query(
          "SELECT * FROM alerts WHERE model = $1 AND state IN ('pending', 'firing') ORDER BY fingerprint",
          [model],
        )
      ).rows as Row[];
      for (const row of open) {
        const a = toAlert(row);
        if (!seen.has(a.fingerprint) && isOpen(a.state)) await handle(a, undefined);
      }
      return out;
    });
  }

  async alerts(filter: AlertFilter = {}): Promise<AlertRecord[]> {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (filter.model !== undefined) {
      params.push(filter.model);
      parts.push(`model = $${params.length}`);
    }
    if (filter.states !== undefined && filter.states.length > 0) {
      params.push([...filter.states]);
      parts.push(`state = ANY($${params.length})`);
    }
    const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
    return (
      await this.db.query(
        `SELECT * FROM alerts ${where}
          ORDER BY CASE state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,
            CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, model, rule, updated_at DESC`,
        params,
      )
    ).map(toAlert);
  }

  async history(filter: HistoryFilter = {}): Promise<AlertEvent[]> {
    const q = historyQuery('alert_events', filter);
    return (await this.db.query(q.sql, q.params)).map(toEvent);
  }

  async recordDelivery(n: AlertNotification, r: DeliveryResult, at: number): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_deliveries (at, fingerprint, model, rule, status, notifier, outcome, attempts, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        Math.floor(at),
        n.alert.fingerprint,
        n.alert.model,
        n.alert.rule,
        n.status,
        r.notifier,
        r.outcome,
        r.attempts,
        r.error ?? null,
      ],
    );
  }

  async deliveries(filter: HistoryFilter = {}): Promise<DeliveryRecord[]> {
    const q = historyQuery('alert_deliveries', filter);
    return (await this.db.query(q.sql, q.params)).map(toDelivery);
  }

  async prune(before: number): Promise<{ events: number; deliveries: number; alerts: number }> {
    return this.db.tx(async (tx) => ({
      events: (await tx.query('DELETE FROM alert_events WHERE at < $1', [before])).rowCount ?? 0,
      deliveries:
        (await tx.query('DELETE FROM alert_deliveries WHERE at < $1', [before])).rowCount ?? 0,
      alerts:
        (
          await tx.query(
            "DELETE FROM alerts WHERE state IN ('inactive', 'resolved') AND updated_at < $1",
            [before],
          )
        ).rowCount ?? 0,
    }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
