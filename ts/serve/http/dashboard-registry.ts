/**
 * The dashboard's registry views, as plain JSON built from ts/registry and
 * ts/deploy's public functions (the same data `sentio models show`,
 * `sentio history`, `sentio env list` and `sentio runs compare` print):
 * the overview, one model (versions with metrics and tags, environments and
 * what each serves, alias history, rollouts), one version (confusion matrix,
 * per-class report, model card, run) and runs side by side.
 * @module
 */
import { history } from '../../deploy/index.js';
import { SentioError } from '../../errors/index.js';
import type { Registry, RunRecord, VersionRecord } from '../../registry/index.js';

const decoder = new TextDecoder();

async function artifactJson(reg: Registry, sha: string | undefined): Promise<unknown | null> {
  if (sha === undefined) return null;
  try {
    return JSON.parse(decoder.decode(await reg.artifacts.get(sha))) as unknown;
  } catch {
    return null;
  }
}

async function artifactText(reg: Registry, sha: string | undefined): Promise<string | null> {
  if (sha === undefined) return null;
  try {
    return decoder.decode(await reg.artifacts.get(sha));
  } catch {
    return null;
  }
}

/** A version without its bulky resolved config (the version page has it). */
function versionSummary(v: VersionRecord): Record<string, unknown> {
  const { config: _config, dataset: _dataset, ...rest } = v;
  return { ...rest, artifactNames: Object.keys(v.artifacts).sort() };
}

export async function overview(reg: Registry): Promise<Record<string, unknown>> {
  const models = await reg.listModels();
  const out = [];
  for (const m of models) {
    const latest = m.latestVersion !== null ? await reg.getVersion(m.name, m.latestVersion) : null;
    out.push({ ...m, latestMetrics: latest?.metrics ?? {} });
  }
  return {
    models: out,
    environments: await reg.listEnvironments(),
    rollouts: await reg.activeRollouts(),
  };
}

export async function modelView(reg: Registry, name: string): Promise<Record<string, unknown>> {
  const model = await reg.getModel(name);
  const versions = await reg.listVersions(name);
  const envs = await reg.listEnvironments();
  const moves = await reg.aliasHistory(name);
  const environments = envs.map((e) => {
    const last = [...moves].reverse().find((m) => m.alias === e.name);
    return {
      name: e.name,
      description: e.description,
      builtin: e.builtin,
      version: model.aliases[e.name] ?? null,
      since: last?.at ?? null,
      by: last?.who ?? null,
    };
  });
  const h = await history(reg, { model: name });
  return {
    model,
    versions: versions.map(versionSummary),
    environments,
    history: h.entries,
    rollouts: (await reg.listRollouts(name)).slice(0, 50),
    policy: (await reg.getPolicy(name))?.policy ?? null,
  };
}

export async function versionView(
  reg: Registry,
  name: string,
  version: number,
): Promise<Record<string, unknown>> {
  const v = await reg.getVersion(name, version);
  const run: RunRecord | null =
    v.runId !== null ? await reg.getRun(v.runId).catch(() => null) : null;
  const metricsDoc = (await artifactJson(reg, v.artifacts.metrics)) as { report?: unknown } | null;
  return {
    version: v,
    confusion: await artifactJson(reg, v.artifacts.confusion_matrix),
    report: metricsDoc?.report ?? null,
    card: await artifactText(reg, v.artifacts.card),
    run,
    evaluations: await reg.listEvaluations(name, version),
  };
}

export async function runsView(
  reg: Registry,
  q: { experiment?: string; model?: string; limit?: number },
): Promise<Record<string, unknown>> {
  return {
    runs: await reg.listRuns({
      ...(q.experiment !== undefined ? { experiment: q.experiment } : {}),
      ...(q.model !== undefined ? { model: q.model } : {}),
      limit: q.limit ?? 200,
    }),
    experiments: await reg.listExperiments(),
  };
}

/** Runs side by side: every param and metric key, and which of them differ. */
export async function compareRuns(reg: Registry, ids: string[]): Promise<Record<string, unknown>> {
  if (ids.length < 1 || ids.length > 20) {
    throw new SentioError('SERVE_INVALID_REQUEST', 'give 1 to 20 run ids: ?ids=ID,ID,…');
  }
  const runs = await Promise.all(ids.map((id) => reg.getRun(id)));
  const keys = (pick: (r: RunRecord) => Record<string, unknown>) =>
    [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
  const differs = (pick: (r: RunRecord) => Record<string, unknown>, k: string) =>
    new Set(runs.map((r) => JSON.stringify(pick(r)[k] ?? null))).size > 1;
  const params = keys((r) => r.params);
  const metrics = keys((r) => r.metrics);
  return {
    runs,
    params: params.map((k) => ({ key: k, differs: differs((r) => r.params, k) })),
    metrics: metrics.map((k) => ({ key: k, differs: differs((r) => r.metrics, k) })),
  };
}
