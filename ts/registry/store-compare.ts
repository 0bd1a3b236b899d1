/**
 * A deep comparison of two stores through the public `Registry` interface
 * (so it compares what users see, whatever the backends): models, versions,
 * alias history, evaluations, runs, experiments, environments, policies,
 * approvals, rollouts with their stats and deployment events. Timestamps are
 * compared as instants (a backend may print them differently), NaN equals
 * NaN. `sentio store migrate` runs it after copying.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import type { Registry } from './types.js';

/** Everything a store holds besides artifact bytes, as one comparable document. */
export async function storeSnapshot(reg: Registry): Promise<Record<string, unknown>> {
  const models: Record<string, unknown> = {};
  for (const m of await reg.listModels()) {
    const rollouts = await reg.listRollouts(m.name);
    models[m.name] = {
      model: m,
      versions: await reg.listVersions(m.name),
      aliasHistory: await reg.aliasHistory(m.name),
      evaluations: await reg.listEvaluations(m.name),
      policy: await reg.getPolicy(m.name),
      approvals: await reg.listApprovals(m.name),
      rollouts,
      rolloutStats: await Promise.all(rollouts.map((r) => reg.rolloutStats(r.id))),
      events: await reg.deployEvents(m.name),
    };
  }
  return {
    models,
    runs: await reg.listRuns(),
    experiments: await reg.listExperiments(),
    environments: await reg.listEnvironments(),
  };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;

/** Timestamps as one canonical ISO form; everything else unchanged. */
function normalise(v: unknown): unknown {
  if (typeof v === 'string' && ISO.test(v)) {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? v : new Date(ms).toISOString();
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

/** The first path at which two documents differ, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, at = '$'): string | null {
  const x = normalise(a);
  const y = normalise(b);
  if (isDeepStrictEqual(x, y)) return null;
  if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const k of keys) {
      const d = firstDifference(
        (x as Record<string, unknown>)[k],
        (y as Record<string, unknown>)[k],
        Array.isArray(x) ? `${at}[${k}]` : `${at}.${k}`,
      );
      if (d !== null) return d;
    }
  }
  return `${at}: ${JSON.stringify(x)?.slice(0, 200)} ≠ ${JSON.stringify(y)?.slice(0, 200)}`;
}
