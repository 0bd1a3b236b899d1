/**
 * `sentio history`: a model's environment moves and deployment events in
 * one timeline, and the answer to "which version served ENV at time T" —
 * the last move of that environment at or before T (moves are totally
 * ordered by their id, which follows commit order; `at` has millisecond
 * precision, so ties are broken by id).
 * @module
 */
import { SentioError } from '../errors/index.js';
import type { AliasMove, DeployEvent, Registry, RolloutRecord } from '../registry/index.js';
import { requireEnv } from './environments.js';
import type { GateResult, HistoryEntry, HistoryReport, ServingAt } from './types.js';

function detailsOf(d: unknown): { action?: string; forced?: boolean; gates?: GateResult[] } {
  return d !== null && typeof d === 'object' ? (d as Record<string, never>) : {};
}

export function moveEntry(m: AliasMove): HistoryEntry {
  const d = detailsOf(m.details);
  return {
    type: 'move',
    id: m.id,
    at: m.at,
    env: m.alias,
    action: typeof d.action === 'string' ? d.action : m.toVersion === null ? 'delete' : 'alias',
    fromVersion: m.fromVersion,
    toVersion: m.toVersion,
    version: m.toVersion,
    who: m.who,
    reason: m.reason,
    forced: d.forced === true,
    gates: Array.isArray(d.gates) ? d.gates : [],
    details: m.details,
  };
}

export function eventEntry(e: DeployEvent): HistoryEntry {
  const d = detailsOf(e.details);
  return {
    type: 'event',
    id: e.id,
    at: e.at,
    env: e.env,
    action: e.kind,
    fromVersion: null,
    toVersion: null,
    version: e.version,
    who: e.who,
    reason: e.reason,
    forced: d.forced === true,
    gates: Array.isArray(d.gates) ? d.gates : [],
    details: e.details,
  };
}

/** Moves and events, oldest first (same instant: moves first, then by id). */
export function mergeHistory(moves: AliasMove[], events: DeployEvent[]): HistoryEntry[] {
  const entries = [...moves.map(moveEntry), ...events.map(eventEntry)];
  return entries.sort(
    (a, b) =>
      Date.parse(a.at) - Date.parse(b.at) ||
      (a.type === b.type ? a.id - b.id : a.type === 'move' ? -1 : 1),
  );
}

/**
 * Parse a time as users write it: ISO 8601 with or without seconds
 * (`2026-05-01T12:00Z`), a date (midnight UTC), or `now`. A time without a
 * zone is read as UTC, so the answer does not depend on the machine's zone.
 */
export function parseInstant(text: string): Date {
  const t = text.trim();
  if (t.toLowerCase() === 'now') return new Date();
  let s = t;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(s)) s = `${s}Z`;
  const d = /^\d{4}-\d{2}-\d{2}/.test(s) ? new Date(s.replace(' ', 'T')) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) {
    throw new SentioError(
      'DEPLOY_BAD_OPTION',
      `--at: "${text}" is not a time (use ISO 8601, e.g. 2026-05-01T12:00Z, 2026-05-01T12:00:00.000+02:00, 2026-05-01 or now)`,
      { at: text },
    );
  }
  return d;
}

/** The version `env` pointed at, at instant `t` (moves of that alias, oldest first). */
export function servingAt(
  env: string,
  moves: readonly AliasMove[],
  rollouts: readonly RolloutRecord[],
  t: Date,
): ServingAt {
  const ms = t.getTime();
  let since: AliasMove | null = null;
  for (const m of moves) {
    if (m.alias !== env) continue;
    if (Date.parse(m.at) > ms) continue;
    if (since === null || m.id > since.id) since = m;
  }
  const active = rollouts.filter(
    (r) =>
      r.env === env &&
      Date.parse(r.startedAt) <= ms &&
      (r.endedAt === null || Date.parse(r.endedAt) > ms),
  );
  return {
    env,
    version: since?.toVersion ?? null,
    since,
    rollouts: active.map((r) => ({
      id: r.id,
      kind: r.kind,
      version: r.version,
      percent: r.percent,
    })),
  };
}

export interface HistoryOptions {
  model: string;
  env?: string;
  /** An instant (see parseInstant) or a Date. */
  at?: string | Date;
}

export async function history(reg: Registry, opts: HistoryOptions): Promise<HistoryReport> {
  const m = await reg.getModel(opts.model);
  if (opts.env !== undefined) await requireEnv(reg, opts.env);
  const moves = await reg.aliasHistory(m.name, opts.env);
  // Model-wide events (policy changes, env "*") belong to every environment's timeline.
  const events = (await reg.deployEvents(m.name)).filter(
    (e) => opts.env === undefined || e.env === opts.env || e.env === '*',
  );
  const entries = mergeHistory(moves, events);
  let at: HistoryReport['at'] = null;
  if (opts.at !== undefined) {
    const t = opts.at instanceof Date ? opts.at : parseInstant(opts.at);
    const rollouts = await reg.listRollouts(m.name, opts.env ? { env: opts.env } : {});
    const envs =
      opts.env !== undefined
        ? [opts.env]
        : [
            ...new Set([
              ...(await reg.listEnvironments()).map((e) => e.name),
              ...moves.map((x) => x.alias),
            ]),
          ];
    at = {
      time: t.toISOString(),
      serving: envs
        .map((env) => servingAt(env, moves, rollouts, t))
        .filter((s) => opts.env !== undefined || s.since !== null),
    };
  }
  return { model: m.name, env: opts.env ?? null, entries, at };
}
