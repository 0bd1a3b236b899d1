/**
 * What the SQLite and PostgreSQL deployment backends share: the rollout
 * query's columns and joins, the row → record mappings (both drivers return
 * the same column names and JSON as text), and the errors both report in the
 * same words. Kept here so the two backends cannot drift apart.
 * @module
 */
import { SentioError } from '../errors/index.js';
import { decodeJson } from './json.js';
import type { DeployEvent, RolloutKind, RolloutRecord } from './types.js';

type Row = Record<string, unknown>;

export const ROLLOUT_COLUMNS = `r.id, m.name AS model, r.env, r.kind, v.version, r.percent, r.thresholds,
  r.state, r.started_at, r.started_by, r.reason, r.ended_at, r.ended_by, r.end_reason, r.end_details`;
export const ROLLOUT_FROM = `rollouts r JOIN models m ON m.id = r.model_id JOIN versions v ON v.id = r.version_id`;

export function rolloutRecord(r: Row): RolloutRecord {
  return {
    id: r.id as number,
    model: r.model as string,
    env: r.env as string,
    kind: r.kind as RolloutKind,
    version: r.version as number,
    percent: r.percent as number,
    thresholds: decodeJson(r.thresholds as string),
    state: r.state as RolloutRecord['state'],
    startedAt: r.started_at as string,
    startedBy: r.started_by as string,
    reason: (r.reason as string | null) ?? null,
    endedAt: (r.ended_at as string | null) ?? null,
    endedBy: (r.ended_by as string | null) ?? null,
    endReason: (r.end_reason as string | null) ?? null,
    endDetails: decodeJson(r.end_details as string | null),
  };
}

export function eventRecord(r: Row): DeployEvent {
  return {
    id: r.id as number,
    model: r.model as string,
    env: r.env as string,
    kind: r.kind as string,
    version: (r.version as number | null) ?? null,
    at: r.at as string,
    who: r.who as string,
    reason: (r.reason as string | null) ?? null,
    details: decodeJson(r.details as string | null),
  };
}

export function unknownEnv(env: string, known: string[]): SentioError {
  return new SentioError(
    'DEPLOY_UNKNOWN_ENV',
    `environment "${env}" is not declared (declared: ${known.join(', ')}); declare it with "sentio env add ${env}"`,
    { env, declared: known },
  );
}

/** DEPLOY_ROLLOUT_ACTIVE; `a` is the active rollout when it could be read (null: a racing start won). */
export function activeRolloutError(
  model: string,
  env: string,
  kind: string,
  a: RolloutRecord | null,
): SentioError {
  return new SentioError(
    'DEPLOY_ROLLOUT_ACTIVE',
    a === null
      ? `${model}@${env} already has an active ${kind}; stop or promote it first`
      : `${model}@${env} already has an active ${kind} (version ${a.version}, started ${a.startedAt} by ${a.startedBy}); stop or promote it first`,
    { model, env, kind, ...(a ? { rollout: a.id, version: a.version } : {}) },
  );
}
