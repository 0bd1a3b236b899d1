/**
 * Deployment state in SQLite: declared environments, per-model policies,
 * approvals, rollouts (canary/shadow candidates) with their per-instance
 * stats, and audit events. Kept apart from backend.ts (models, versions,
 * runs) but on the same connection and transactions, so an environment move
 * and the end of its rollouts commit together.
 * @module
 */
import { SentioError } from '../../errors/index.js';
import type { ActorRow, DeployBackend, EnvMoveRow } from '../backend.js';
import {
  activeRolloutError,
  eventRecord,
  ROLLOUT_COLUMNS,
  ROLLOUT_FROM,
  rolloutRecord,
  unknownEnv,
} from '../deploy-rows.js';
import { conflict, notFound } from '../errors.js';
import { decodeJson, encodeJson } from '../json.js';
import type {
  AliasMove,
  ApprovalRecord,
  DeployEvent,
  EnvironmentRecord,
  PolicyRecord,
  RolloutKind,
  RolloutRecord,
  RolloutStatsRecord,
} from '../types.js';
import type { SqliteBackend } from './backend.js';

type Row = Record<string, unknown>;

const json = (v: unknown): string | null => (v === null || v === undefined ? null : encodeJson(v));

function environmentRecord(r: Row): EnvironmentRecord {
  return {
    name: r.name as string,
    description: r.description as string,
    createdAt: r.created_at as string,
    builtin: r.builtin === 1,
  };
}

export class SqliteDeployBackend implements DeployBackend {
  constructor(private readonly b: SqliteBackend) {}

  private modelIdOrThrow(model: string): number {
    const mid = this.b.modelId(model);
    if (mid === null) throw notFound.model(model);
    return mid;
  }

  private versionIdOrThrow(model: string, mid: number, version: number): number {
    const vid = this.b.versionId(mid, version);
    if (vid === null) throw notFound.version(model, version);
    return vid;
  }

  private envNames(): string[] {
    return (
      this.b.q('SELECT name FROM environments ORDER BY builtin DESC, name').all() as Row[]
    ).map((r) => r.name as string);
  }

  private requireEnv(env: string): void {
    if (this.b.q('SELECT 1 FROM environments WHERE name = ?').get(env) === undefined) {
      throw unknownEnv(env, this.envNames());
    }
  }

  private eventTx(
    mid: number,
    model: string,
    e: { env: string; kind: string; version: number | null },
    actor: ActorRow,
    details: unknown | null,
  ): DeployEvent {
    const enc = json(details);
    const id = Number(
      this.b
        .q(
          `INSERT INTO deploy_events (model_id, env, kind, version, at, who, reason, details)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(mid, e.env, e.kind, e.version, actor.at, actor.who, actor.reason, enc).lastInsertRowid,
    );
    return {
      id,
      model,
      env: e.env,
      kind: e.kind,
      version: e.version,
      at: actor.at,
      who: actor.who,
      reason: actor.reason,
      details: decodeJson(enc),
    };
  }

  private rolloutTx(id: number): RolloutRecord | null {
    const r = this.b.q(`SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM} WHERE r.id = ?`).get(id) as
      | Row
      | undefined;
    return r === undefined ? null : rolloutRecord(r);
  }

  private endRolloutTx(
    r: RolloutRecord,
    mid: number,
    state: 'aborted' | 'stopped' | 'promoted',
    actor: ActorRow,
    details: unknown | null,
  ): RolloutRecord {
    this.b
      .q(
        `UPDATE rollouts SET state = ?, ended_at = ?, ended_by = ?, end_reason = ?, end_details = ?
         WHERE id = ? AND state = 'active'`,
      )
      .run(state, actor.at, actor.who, actor.reason, json(details), r.id);
    this.eventTx(
      mid,
      r.model,
      { env: r.env, kind: `${r.kind}_${state}`, version: r.version },
      actor,
      details,
    );
    return this.rolloutTx(r.id) as RolloutRecord;
  }

  // ── Environments ────────────────────────────────────────────────────────

  listEnvironments(): Promise<EnvironmentRecord[]> {
    return this.b.exec(() =>
      (
        this.b
          .q(
            'SELECT name, description, created_at, builtin FROM environments ORDER BY builtin DESC, name',
          )
          .all() as Row[]
      ).map(environmentRecord),
    );
  }

  addEnvironment(name: string, description: string, at: string): Promise<EnvironmentRecord> {
    return this.b.exec(() => {
      if (this.b.q('SELECT 1 FROM environments WHERE name = ?').get(name) !== undefined) {
        throw conflict(`environment "${name}" is already declared`, { env: name });
      }
      this.b
        .q('INSERT INTO environments (name, description, created_at, builtin) VALUES (?, ?, ?, 0)')
        .run(name, description, at);
      return { name, description, createdAt: at, builtin: false };
    }, true);
  }

  removeEnvironment(name: string): Promise<void> {
    return this.b.exec(() => {
      const row = this.b.q('SELECT builtin FROM environments WHERE name = ?').get(name) as
        | Row
        | undefined;
      if (row === undefined) throw unknownEnv(name, this.envNames());
      if (row.builtin === 1) {
        throw conflict(`environment "${name}" is built in and cannot be removed`, { env: name });
      }
      const users = (
        this.b
          .q(
            'SELECT m.name FROM aliases a JOIN models m ON m.id = a.model_id WHERE a.alias = ? ORDER BY m.name',
          )
          .all(name) as Row[]
      ).map((r) => r.name as string);
      if (users.length > 0) {
        throw conflict(
          `environment "${name}" still serves ${users.join(', ')}; move or delete those aliases first`,
          { env: name, models: users },
        );
      }
      this.b.q('DELETE FROM environments WHERE name = ?').run(name);
    }, true);
  }

  moveEnvironment(row: EnvMoveRow): Promise<AliasMove> {
    return this.b.exec(() => {
      this.requireEnv(row.alias);
      const mid = this.modelIdOrThrow(row.model);
      this.versionIdOrThrow(row.model, mid, row.toVersion);
      const current = this.b
        .q(
          'SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?',
        )
        .get(mid, row.alias) as { version: number } | undefined;
      const from = current?.version ?? null;
      if (row.expectFrom !== undefined && row.expectFrom !== from) {
        throw conflict(
          `${row.model}@${row.alias} moved meanwhile: it is at ${from === null ? 'nothing' : `version ${from}`}, not ${row.expectFrom === null ? 'unset' : `version ${row.expectFrom}`}; nothing was changed — check again and retry`,
          { model: row.model, env: row.alias, current: from, expected: row.expectFrom },
        );
      }
      const move = this.b.moveAliasTx(row);
      const active = (
        this.b
          .q(`SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
              WHERE r.model_id = ? AND r.env = ? AND r.state = 'active' ORDER BY r.id`)
          .all(mid, row.alias) as Row[]
      ).map(rolloutRecord);
      for (const r of active) {
        const promoted = r.version === row.toVersion;
        this.endRolloutTx(
          r,
          mid,
          promoted ? 'promoted' : 'stopped',
          {
            at: row.at,
            who: row.who,
            reason: promoted
              ? `${row.alias} moved to the ${r.kind} version ${r.version}`
              : `${row.alias} moved to version ${row.toVersion}`,
          },
          { move: move.id },
        );
      }
      return move;
    }, true);
  }

  // ── Policies ────────────────────────────────────────────────────────────

  getPolicy(model: string): Promise<PolicyRecord | null> {
    return this.b.exec(() => {
      const mid = this.modelIdOrThrow(model);
      const r = this.b
        .q('SELECT policy, updated_at, updated_by FROM policies WHERE model_id = ?')
        .get(mid) as Row | undefined;
      if (r === undefined) return null;
      return {
        model,
        policy: decodeJson(r.policy as string),
        updatedAt: r.updated_at as string,
        updatedBy: r.updated_by as string,
      };
    });
  }

  setPolicy(model: string, policy: unknown, actor: ActorRow): Promise<PolicyRecord> {
    return this.b.exec(() => {
      const mid = this.modelIdOrThrow(model);
      this.b
        .q(
          `INSERT INTO policies (model_id, policy, updated_at, updated_by) VALUES (?, ?, ?, ?)
           ON CONFLICT (model_id) DO UPDATE SET policy = excluded.policy,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(mid, encodeJson(policy ?? null), actor.at, actor.who);
      this.eventTx(mid, model, { env: '*', kind: 'policy', version: null }, actor, { policy });
      return { model, policy, updatedAt: actor.at, updatedBy: actor.who };
    }, true);
  }

  // ── Approvals ───────────────────────────────────────────────────────────

  recordApproval(
    model: string,
    version: number,
    env: string,
    actor: ActorRow,
    note: string | null,
  ): Promise<ApprovalRecord> {
    return this.b.exec(() => {
      this.requireEnv(env);
      const mid = this.modelIdOrThrow(model);
      const vid = this.versionIdOrThrow(model, mid, version);
      const id = Number(
        this.b
          .q(
            'INSERT INTO approvals (version_id, env, approved_by, at, note) VALUES (?, ?, ?, ?, ?)',
          )
          .run(vid, env, actor.who, actor.at, note).lastInsertRowid,
      );
      this.eventTx(
        mid,
        model,
        { env, kind: 'approve', version },
        actor,
        note === null ? null : { note },
      );
      return { id, model, version, env, approvedBy: actor.who, at: actor.at, note };
    }, true);
  }

  listApprovals(model: string, version?: number): Promise<ApprovalRecord[]> {
    return this.b.exec(() => {
      this.modelIdOrThrow(model);
      return (
        this.b
          .q(
            `SELECT a.id, v.version, a.env, a.approved_by, a.at, a.note
             FROM approvals a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id
             WHERE m.name = @model AND (@version IS NULL OR v.version = @version) ORDER BY a.id`,
          )
          .all({ model, version: version ?? null }) as Row[]
      ).map((r) => ({
        id: r.id as number,
        model,
        version: r.version as number,
        env: r.env as string,
        approvedBy: r.approved_by as string,
        at: r.at as string,
        note: (r.note as string | null) ?? null,
      }));
    });
  }

  // ── Rollouts ────────────────────────────────────────────────────────────

  startRollout(
    row: {
      model: string;
      env: string;
      kind: RolloutKind;
      version: number;
      percent: number;
      thresholds: unknown;
    },
    actor: ActorRow,
    details: unknown | null,
  ): Promise<RolloutRecord> {
    return this.b.exec(() => {
      this.requireEnv(row.env);
      const mid = this.modelIdOrThrow(row.model);
      const vid = this.versionIdOrThrow(row.model, mid, row.version);
      const active = this.b
        .q(`SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
            WHERE r.model_id = ? AND r.env = ? AND r.kind = ? AND r.state = 'active'`)
        .get(mid, row.env, row.kind) as Row | undefined;
      if (active !== undefined) {
        throw activeRolloutError(row.model, row.env, row.kind, rolloutRecord(active));
      }
      const id = Number(
        this.b
          .q(
            `INSERT INTO rollouts (model_id, env, kind, version_id, percent, thresholds, state, started_at, started_by, reason)
             VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
          )
          .run(
            mid,
            row.env,
            row.kind,
            vid,
            row.percent,
            encodeJson(row.thresholds ?? null),
            actor.at,
            actor.who,
            actor.reason,
          ).lastInsertRowid,
      );
      this.eventTx(
        mid,
        row.model,
        { env: row.env, kind: `${row.kind}_start`, version: row.version },
        actor,
        { rollout: id, percent: row.percent, thresholds: row.thresholds, ...(details ?? {}) },
      );
      return this.rolloutTx(id) as RolloutRecord;
    }, true);
  }

  endRollout(
    id: number,
    state: 'aborted' | 'stopped' | 'promoted',
    actor: ActorRow,
    details: unknown | null,
  ): Promise<RolloutRecord> {
    return this.b.exec(() => {
      const r = this.rolloutTx(id);
      if (r === null) {
        throw new SentioError('DEPLOY_NO_ROLLOUT', `no rollout ${id}`, { rollout: id });
      }
      if (r.state !== 'active') {
        throw new SentioError(
          'DEPLOY_NO_ROLLOUT',
          `the ${r.kind} of ${r.model}@${r.env} (rollout ${id}) already ended: ${r.state} at ${r.endedAt} by ${r.endedBy}`,
          { rollout: id, state: r.state },
        );
      }
      return this.endRolloutTx(r, this.modelIdOrThrow(r.model), state, actor, details);
    }, true);
  }

  getRollout(id: number): Promise<RolloutRecord | null> {
    return this.b.exec(() => this.rolloutTx(id));
  }

  activeRollouts(model?: string): Promise<RolloutRecord[]> {
    return this.b.exec(() =>
      (
        this.b
          .q(`SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
              WHERE r.state = 'active' AND (@model IS NULL OR m.name = @model) ORDER BY r.id`)
          .all({ model: model ?? null }) as Row[]
      ).map(rolloutRecord),
    );
  }

  listRollouts(
    model: string,
    filter: { env?: string; kind?: RolloutKind },
  ): Promise<RolloutRecord[]> {
    return this.b.exec(() => {
      this.modelIdOrThrow(model);
      return (
        this.b
          .q(`SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
              WHERE m.name = @model AND (@env IS NULL OR r.env = @env) AND (@kind IS NULL OR r.kind = @kind)
              ORDER BY r.id DESC`)
          .all({ model, env: filter.env ?? null, kind: filter.kind ?? null }) as Row[]
      ).map(rolloutRecord);
    });
  }

  putRolloutStats(rolloutId: number, instance: string, stats: unknown, at: string): Promise<void> {
    return this.b.exec(() => {
      if (this.b.q('SELECT 1 FROM rollouts WHERE id = ?').get(rolloutId) === undefined) {
        throw new SentioError('DEPLOY_NO_ROLLOUT', `no rollout ${rolloutId}`, {
          rollout: rolloutId,
        });
      }
      this.b
        .q(
          `INSERT INTO rollout_stats (rollout_id, instance, updated_at, stats) VALUES (?, ?, ?, ?)
           ON CONFLICT (rollout_id, instance) DO UPDATE SET updated_at = excluded.updated_at, stats = excluded.stats`,
        )
        .run(rolloutId, instance, at, encodeJson(stats ?? null));
    }, true);
  }

  rolloutStats(rolloutId: number): Promise<RolloutStatsRecord[]> {
    return this.b.exec(() =>
      (
        this.b
          .q(
            'SELECT rollout_id, instance, updated_at, stats FROM rollout_stats WHERE rollout_id = ? ORDER BY instance',
          )
          .all(rolloutId) as Row[]
      ).map((r) => ({
        rolloutId: r.rollout_id as number,
        instance: r.instance as string,
        updatedAt: r.updated_at as string,
        stats: decodeJson(r.stats as string),
      })),
    );
  }

  // ── Events ──────────────────────────────────────────────────────────────

  recordEvent(
    event: { model: string; env: string; kind: string; version: number | null },
    actor: ActorRow,
    details: unknown | null,
  ): Promise<DeployEvent> {
    return this.b.exec(
      () => this.eventTx(this.modelIdOrThrow(event.model), event.model, event, actor, details),
      true,
    );
  }

  deployEvents(model: string, env?: string): Promise<DeployEvent[]> {
    return this.b.exec(() => {
      this.modelIdOrThrow(model);
      return (
        this.b
          .q(
            `SELECT e.id, m.name AS model, e.env, e.kind, e.version, e.at, e.who, e.reason, e.details
             FROM deploy_events e JOIN models m ON m.id = e.model_id
             WHERE m.name = @model AND (@env IS NULL OR e.env = @env) ORDER BY e.id`,
          )
          .all({ model, env: env ?? null }) as Row[]
      ).map(eventRecord);
    });
  }
}
