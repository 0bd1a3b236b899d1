/**
 * Canary and shadow control. A rollout is a candidate version an
 * environment carries next to its stable version: a canary answers a share
 * of the traffic, a shadow scores a mirrored share after the response. The
 * registry holds the rollout; servers follow it, count, and abort it on a
 * threshold breach. Finishing a canary (`canaryPromote`) is a gated move of
 * the environment to the candidate, which also ends the rollout.
 * @module
 */
import type { Engine } from '../engine/index.js';
import { SentioError } from '../errors/index.js';
import {
  parseRef,
  type Registry,
  type RolloutKind,
  type RolloutRecord,
} from '../registry/index.js';
import { withArmAccuracy } from './arm-accuracy.js';
import { requireEnv } from './environments.js';
import { gatedMove } from './gated-move.js';
import { resolveWho } from './identity.js';
import { type GateOptions, gateOpts } from './moves.js';
import { getPolicy } from './policy-store.js';
import { buildReport } from './report.js';
import type { RolloutThresholds } from './stats.js';
import { resolveThresholds, validateThresholds } from './thresholds.js';
import type { MoveResult, RolloutReport, Who } from './types.js';

export interface RolloutStartOptions extends Who {
  /** NAME@VERSION or NAME@ALIAS: the candidate. */
  ref: string;
  env: string;
  /** Canary: share of traffic answered by the candidate; shadow: share mirrored (default 100). */
  percent?: number;
  /** Overrides of the policy's `canary:` defaults (camelCase keys). */
  thresholds?: Partial<RolloutThresholds>;
  reason?: string;
}

export interface RolloutTarget extends Who {
  model: string;
  env: string;
  reason?: string;
}

function checkPercent(kind: RolloutKind, percent: unknown): number {
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
    throw new SentioError(
      'DEPLOY_BAD_OPTION',
      `--percent: expected a share of traffic in (0, 100]${kind === 'canary' ? ', e.g. 10' : ' (default 100)'}, got ${JSON.stringify(percent)}`,
      { percent },
    );
  }
  return percent;
}

async function startRollout(
  reg: Registry,
  kind: RolloutKind,
  opts: RolloutStartOptions,
): Promise<RolloutRecord> {
  const { model } = parseRef(opts.ref);
  if (!opts.ref.includes('@')) {
    throw new SentioError(
      'DEPLOY_BAD_OPTION',
      `say which version is the ${kind} candidate: ${model}@VERSION`,
      { ref: opts.ref },
    );
  }
  const percent = checkPercent(kind, opts.percent ?? (kind === 'shadow' ? 100 : undefined));
  const given = validateThresholds(opts.thresholds, 'DEPLOY_BAD_OPTION');
  await requireEnv(reg, opts.env);
  const candidate = await reg.resolve(opts.ref);
  const stable = (await reg.getModel(candidate.model)).aliases[opts.env];
  if (stable === undefined) {
    throw new SentioError(
      'DEPLOY_NOTHING_TO_DO',
      `${opts.env} of ${candidate.model} points at no version: a ${kind} runs next to a stable version (sentio deploy ${candidate.model}@VERSION --env ${opts.env} first)`,
      { model: candidate.model, env: opts.env },
    );
  }
  if (stable === candidate.version) {
    throw new SentioError(
      'DEPLOY_NOTHING_TO_DO',
      `${opts.env} of ${candidate.model} already runs v${stable}: the ${kind} candidate must be another version`,
      { model: candidate.model, env: opts.env, version: stable },
    );
  }
  // Servers verify too; failing here names the problem before any traffic moves.
  await reg.artifacts.get(candidate.modelSha256);
  const policy = await getPolicy(reg, candidate.model);
  const thresholds = resolveThresholds(policy.canary, given);
  return reg.startRollout(
    {
      model: candidate.model,
      env: opts.env,
      kind,
      version: candidate.version,
      percent,
      thresholds,
    },
    {
      who: resolveWho(opts),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      details: { stableVersion: stable, percent, thresholds },
    },
  );
}

/** The active rollout of a kind on (model, env), or DEPLOY_NO_ROLLOUT. */
export async function activeRollout(
  reg: Registry,
  model: string,
  env: string,
  kind: RolloutKind,
): Promise<RolloutRecord> {
  await requireEnv(reg, env);
  const m = await reg.getModel(model);
  const r = (await reg.activeRollouts(m.name)).find((x) => x.env === env && x.kind === kind);
  if (r === undefined) {
    throw new SentioError(
      'DEPLOY_NO_ROLLOUT',
      `no active ${kind} on ${env} of ${m.name} (start one with sentio ${kind} start ${m.name}@VERSION --env ${env})`,
      { model: m.name, env, kind },
    );
  }
  return r;
}

async function stopRollout(
  reg: Registry,
  kind: RolloutKind,
  opts: RolloutTarget,
): Promise<RolloutRecord> {
  const r = await activeRollout(reg, opts.model, opts.env, kind);
  return reg.endRollout(
    r.id,
    { state: 'stopped' },
    { who: resolveWho(opts), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) },
  );
}

/** The report of the active rollout, else of the most recent one of that kind on env. */
export async function rolloutReport(
  reg: Registry,
  kind: RolloutKind,
  opts: { model: string; env: string },
): Promise<RolloutReport> {
  await requireEnv(reg, opts.env);
  const m = await reg.getModel(opts.model);
  const all = await reg.listRollouts(m.name, { env: opts.env, kind });
  const r = all.find((x) => x.state === 'active') ?? all[0];
  if (r === undefined) {
    throw new SentioError(
      'DEPLOY_NO_ROLLOUT',
      `${m.name} has had no ${kind} on ${opts.env} (start one with sentio ${kind} start ${m.name}@VERSION --env ${opts.env})`,
      { model: m.name, env: opts.env, kind },
    );
  }
  // An ended rollout's stable version is what its counters say; an active one runs next to the env's.
  const stable = r.state === 'active' ? (m.aliases[opts.env] ?? null) : null;
  return withArmAccuracy(reg, buildReport(r, await reg.rolloutStats(r.id), stable));
}

export function canaryStart(reg: Registry, opts: RolloutStartOptions): Promise<RolloutRecord> {
  return startRollout(reg, 'canary', opts);
}

export function canaryStop(reg: Registry, opts: RolloutTarget): Promise<RolloutRecord> {
  return stopRollout(reg, 'canary', opts);
}

export function canaryStatus(
  reg: Registry,
  opts: { model: string; env: string },
): Promise<RolloutReport> {
  return rolloutReport(reg, 'canary', opts);
}

/** Finish the active canary: move env to the candidate through the same gates as promote. */
export async function canaryPromote(
  reg: Registry,
  engine: Engine | undefined,
  opts: RolloutTarget & GateOptions,
): Promise<MoveResult> {
  const r = await activeRollout(reg, opts.model, opts.env, 'canary');
  const candidate = await reg.getVersion(r.model, r.version);
  return gatedMove(reg, engine, {
    model: r.model,
    env: opts.env,
    candidate,
    action: 'canary_promote',
    who: resolveWho(opts),
    ...gateOpts(opts),
  });
}

export function shadowStart(reg: Registry, opts: RolloutStartOptions): Promise<RolloutRecord> {
  return startRollout(reg, 'shadow', opts);
}

export function shadowStop(reg: Registry, opts: RolloutTarget): Promise<RolloutRecord> {
  return stopRollout(reg, 'shadow', opts);
}

export function shadowReport(
  reg: Registry,
  opts: { model: string; env: string },
): Promise<RolloutReport> {
  return rolloutReport(reg, 'shadow', opts);
}
