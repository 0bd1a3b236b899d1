/**
 * Deployment state on PostgreSQL: environments, policies, approvals,
 * rollouts with their per-instance stats, and audit events — the same
 * contract and messages as sqlite/deploy.ts, in the same transactions as
 * backend.ts, so an environment move and the end of its rollouts commit
 * together.
 *
 * Races SQLite's single writer rules out are closed with row locks: an
 * environment move or rollout start locks the model row (as alias moves
 * do), removing an environment locks its row against a concurrent move into
 * it, ending a rollout locks the rollout. The partial unique index
 * `rollouts_one_active` backs the one-active-rollout rule; its violation is
 * reported as DEPLOY_ROLLOUT_ACTIVE like the check before it.
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
import { first, jsonOrNull, type PgBackend, rows } from './backend.js';
import type { Tx } from './database.js';

export class PgDeployBackend implements DeployBackend {
  constructor(private readonly b: PgBackend) {}

  private get db() {
    return this.b.db;
  }

  private async modelIdOrThrow(tx: Tx, model: string, lock = false): Promise<number> {
    const mid = await this.b.modelId(tx, model, lock);
    if (mid === null) throw notFound.model(model);
    return mid;
  }

  private async versionIdOrThrow(
    tx: Tx,
    model: string,
    mid: number,
    version: number,
  ): Promise<number> {
    const vid = await this.b.versionId(tx, mid, version);
    if (vid === null) throw notFound.version(model, version);
    return vid;
  }

  private async envNames(tx: Tx): Promise<string[]> {
    return (
      await rows(tx, 'SELECT name FROM environments ORDER BY builtin DESC, name COLLATE "C"')
    ).map((r) => r.name as string);
  }

  /** The environment must be declared; its row is share-locked against a concurrent removal. */
  private async requireEnv(tx: Tx, env: string): Promise<void> {
    if (
      (await first(tx, 'SELECT 1 FROM environments WHERE name = $1 FOR SHARE', [env])) === undefined
    ) {
      throw unknownEnv(env, await this.envNames(tx));
    }
  }

  private async eventTx(
    tx: Tx,
    mid: number,
    model: string,
    e: { env: string; kind: string; version: number | null },
    actor: ActorRow,
    details: unknown | null,
  ): Promise<DeployEvent> {
    const enc = jsonOrNull(details);
    const id = (
      await first(
        tx,
        `INSERT INTO deploy_events (model_id, env, kind, version, at, who, reason, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [mid, e.env, e.kind, e.version, actor.at, actor.who, actor.reason, enc],
      )
    )?.id as number;
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

  private async rolloutTx(tx: Tx, id: number, lock = false): Promise<RolloutRecord | null> {
    const r = await first(
      tx,
      `SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`,
      [id],
    );
    return r === undefined ? null : rolloutRecord(r);
  }

  private async endRolloutTx(
    tx: Tx,
    r: RolloutRecord,
    mid: number,
    state: 'aborted' | 'stopped' | 'promoted',
    actor: ActorRow,
    details: unknown | null,
  ): Promise<RolloutRecord> {
    await tx.query(
      `UPDATE rollouts SET state = $1, ended_at = $2, ended_by = $3, end_reason = $4, end_details = $5
       WHERE id = $6 AND state = 'active'`,
      [state, actor.at, actor.who, actor.reason, jsonOrNull(details), r.id],
    );
    await this.eventTx(
      tx,
      mid,
      r.model,
      { env: r.env, kind: `${r.kind}_${state}`, version: r.version },
      actor,
      details,
    );
    return (await this.rolloutTx(tx, r.id)) as RolloutRecord;
  }

  // ── Environments ────────────────────────────────────────────────────────

  listEnvironments(): Promise<EnvironmentRecord[]> {
    return this.db.read(async (tx) =>
      (
        await rows(
          tx,
          'SELECT name, description, created_at, builtin FROM environments ORDER BY builtin DESC, name COLLATE "C"',
        )
      ).map((r) => ({
        name: r.name as string,
        description: r.description as string,
        createdAt: r.created_at as string,
        builtin: r.builtin === true,
      })),
    );
  }

  addEnvironment(name: string, description: string, at: string): Promise<EnvironmentRecord> {
    return this.db.write(async (tx) => {
      const r = await first(
        tx,
        `INSERT INTO environments (name, description, created_at, builtin) VALUES ($1, $2, $3, false)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, description, at],
      );
      if (r === undefined)
        throw conflict(`environment "${name}" is already declared`, { env: name });
      return { name, description, createdAt: at, builtin: false };
    });
  }

  removeEnvironment(name: string): Promise<void> {
    return this.db.write(async (tx) => {
      const row = await first(tx, 'SELECT builtin FROM environments WHERE name = $1 FOR UPDATE', [
        name,
      ]);
      if (row === undefined) throw unknownEnv(name, await this.envNames(tx));
      if (row.builtin === true) {
        throw conflict(`environment "${name}" is built in and cannot be removed`, { env: name });
      }
      const users = (
        await rows(
          tx,
          'SELECT m.name FROM aliases a JOIN models m ON m.id = a.model_id WHERE a.alias = $1 ORDER BY m.name COLLATE "C"',
          [name],
        )
      ).map((r) => r.name as string);
      if (users.length > 0) {
        throw conflict(
          `environment "${name}" still serves ${users.join(', ')}; move or delete those aliases first`,
          { env: name, models: users },
        );
      }
      await tx.query('DELETE FROM environments WHERE name = $1', [name]);
    });
  }

  moveEnvironment(row: EnvMoveRow): Promise<AliasMove> {
    return this.db.write(async (tx) => {
      await this.requireEnv(tx, row.alias);
      const mid = await this.modelIdOrThrow(tx, row.model, true);
      await this.versionIdOrThrow(tx, row.model, mid, row.toVersion);
      const from = await this.b.currentAlias(tx, mid, row.alias);
      if (row.expectFrom !== undefined && row.expectFrom !== from) {
        throw conflict(
          `${row.model}@${row.alias} moved meanwhile: it is at ${from === null ? 'nothing' : `version ${from}`}, not ${row.expectFrom === null ? 'unset' : `version ${row.expectFrom}`}; nothing was changed — check again and retry`,
          { model: row.model, env: row.alias, current: from, expected: row.expectFrom },
        );
      }
      const move = await this.b.moveAliasTx(tx, row);
      const active = (
        await rows(
          tx,
          `SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
           WHERE r.model_id = $1 AND r.env = $2 AND r.state = 'active' ORDER BY r.id`,
          [mid, row.alias],
        )
      ).map(rolloutRecord);
      for (const r of active) {
        const promoted = r.version === row.toVersion;
        await this.endRolloutTx(
          tx,
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
    });
  }

  // ── Policies ────────────────────────────────────────────────────────────

  getPolicy(model: string): Promise<PolicyRecord | null> {
    return this.db.read(async (tx) => {
      const mid = await this.modelIdOrThrow(tx, model);
      const r = await first(
        tx,
        'SELECT policy, updated_at, updated_by FROM policies WHERE model_id = $1',
        [mid],
      );
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
    return this.db.write(async (tx) => {
      const mid = await this.modelIdOrThrow(tx, model);
      await tx.query(
        `INSERT INTO policies (model_id, policy, updated_at, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (model_id) DO UPDATE SET policy = excluded.policy,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        [mid, encodeJson(policy ?? null), actor.at, actor.who],
      );
      await this.eventTx(tx, mid, model, { env: '*', kind: 'policy', version: null }, actor, {
        policy,
      });
      return { model, policy, updatedAt: actor.at, updatedBy: actor.who };
    });
  }

  // ── Approvals ───────────────────────────────────────────────────────────

  recordApproval(
    model: string,
    version: number,
    env: string,
    actor: ActorRow,
    note: string | null,
  ): Promise<ApprovalRecord> {
    return this.db.write(async (tx) => {
      await this.requireEnv(tx, env);
      const mid = await this.modelIdOrThrow(tx, model);
      const vid = await this.versionIdOrThrow(tx, model, mid, version);
      const id = (
        await first(
          tx,
          'INSERT INTO approvals (version_id, env, approved_by, at, note) VALUES ($1, $2, $3, $4, $5) RETURNING id',
          [vid, env, actor.who, actor.at, note],
        )
      )?.id as number;
      await this.eventTx(
        tx,
        mid,
        model,
        { env, kind: 'approve', version },
        actor,
        note === null ? null : { note },
      );
      return { id, model, version, env, approvedBy: actor.who, at: actor.at, note };
    });
  }

  listApprovals(model: string, version?: number): Promise<ApprovalRecord[]> {
    return this.db.read(async (tx) => {
      await this.modelIdOrThrow(tx, model);
      return (
        await rows(
          tx,
          `SELECT a.id, v.version, a.env, a.approved_by, a.at, a.note
           FROM approvals a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id
           WHERE m.name = $1 AND ($2::int IS NULL OR v.version = $2) ORDER BY a.id`,
          [model, version ?? null],
        )
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
    return this.db.write(async (tx) => {
      await this.requireEnv(tx, row.env);
      const mid = await this.modelIdOrThrow(tx, row.model, true);
      const vid = await this.versionIdOrThrow(tx, row.model, mid, row.version);
      const active = await first(
        tx,
        `SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
         WHERE r.model_id = $1 AND r.env = $2 AND r.kind = $3 AND r.state = 'active'`,
        [mid, row.env, row.kind],
      );
      if (active !== undefined) {
        throw activeRolloutError(row.model, row.env, row.kind, rolloutRecord(active));
      }
      let id: number;
      try {
        id = (
          await first(
            tx,
            `INSERT INTO rollouts (model_id, env, kind, version_id, percent, thresholds, state, started_at, started_by, reason)
             VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9) RETURNING id`,
            [
              mid,
              row.env,
              row.kind,
              vid,
              row.percent,
              encodeJson(row.thresholds ?? null),
              actor.at,
              actor.who,
              actor.reason,
            ],
          )
        )?.id as number;
      } catch (e) {
        if ((e as { constraint?: string }).constraint === 'rollouts_one_active') {
          throw activeRolloutError(row.model, row.env, row.kind, null);
        }
        throw e;
      }
      await this.eventTx(
        tx,
        mid,
        row.model,
        { env: row.env, kind: `${row.kind}_start`, version: row.version },
        actor,
        { rollout: id, percent: row.percent, thresholds: row.thresholds, ...(details ?? {}) },
      );
      return (await this.rolloutTx(tx, id)) as RolloutRecord;
    });
  }

  endRollout(
    id: number,
    state: 'aborted' | 'stopped' | 'promoted',
    actor: ActorRow,
    details: unknown | null,
  ): Promise<RolloutRecord> {
    return this.db.write(async (tx) => {
      const r = await this.rolloutTx(tx, id, true);
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
      return this.endRolloutTx(
        tx,
        r,
        await this.modelIdOrThrow(tx, r.model),
        state,
        actor,
        details,
      );
    });
  }

  getRollout(id: number): Promise<RolloutRecord | null> {
    return this.db.read((tx) => this.rolloutTx(tx, id));
  }

  activeRollouts(model?: string): Promise<RolloutRecord[]> {
    return this.db.read(async (tx) =>
      (
        await rows(
          tx,
          `SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
           WHERE r.state = 'active' AND ($1::text IS NULL OR m.name = $1) ORDER BY r.id`,
          [model ?? null],
        )
      ).map(rolloutRecord),
    );
  }

  listRollouts(
    model: string,
    filter: { env?: string; kind?: RolloutKind },
  ): Promise<RolloutRecord[]> {
    return this.db.read(async (tx) => {
      await this.modelIdOrThrow(tx, model);
      return (
        await rows(
          tx,
          `SELECT ${ROLLOUT_COLUMNS} FROM ${ROLLOUT_FROM}
           WHERE m.name = $1 AND ($2::text IS NULL OR r.env = $2) AND ($3::text IS NULL OR r.kind = $3)
           ORDER BY r.id DESC`,
          [model, filter.env ?? null, filter.kind ?? null],
        )
      ).map(rolloutRecord);
    });
  }

  putRolloutStats(rolloutId: number, instance: string, stats: unknown, at: string): Promise<void> {
    return this.db.write(async (tx) => {
      if ((await first(tx, 'SELECT 1 FROM rollouts WHERE id = $1', [rolloutId])) === undefined) {
        throw new SentioError('DEPLOY_NO_ROLLOUT', `no rollout ${rolloutId}`, {
          rollout: rolloutId,
        });
      }
      await tx.query(
        `INSERT INTO rollout_stats (rollout_id, instance, updated_at, stats) VALUES ($1, $2, $3, $4)
         ON CONFLICT (rollout_id, instance) DO UPDATE SET updated_at = excluded.updated_at, stats = excluded.stats`,
        [rolloutId, instance, at, encodeJson(stats ?? null)],
      );
    });
  }

  rolloutStats(rolloutId: number): Promise<RolloutStatsRecord[]> {
    return this.db.read(async (tx) =>
      (
        await rows(
          tx,
          'SELECT rollout_id, instance, updated_at, stats FROM rollout_stats WHERE rollout_id = $1 ORDER BY instance COLLATE "C"',
          [rolloutId],
        )
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
    return this.db.write(async (tx) =>
      this.eventTx(
        tx,
        await this.modelIdOrThrow(tx, event.model),
        event.model,
        event,
        actor,
        details,
      ),
    );
  }

  deployEvents(model: string, env?: string): Promise<DeployEvent[]> {
    return this.db.read(async (tx) => {
      await this.modelIdOrThrow(tx, model);
      return (
        await rows(
          tx,
          `SELECT e.id, m.name AS model, e.env, e.kind, e.version, e.at, e.who, e.reason, e.details
           FROM deploy_events e JOIN models m ON m.id = e.model_id
           WHERE m.name = $1 AND ($2::text IS NULL OR e.env = $2) ORDER BY e.id`,
          [model, env ?? null],
        )
      ).map(eventRecord);
    });
  }
}
