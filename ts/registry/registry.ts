/**
 * The registry as callers use it, over any `RegistryBackend` and
 * `ArtifactStore`: validates inputs, fills in provenance (who, host, git
 * commit, Sentio version) and timestamps, resolves refs, and refuses to let a
 * version or evaluation point at an artifact the store does not hold (so a
 * crash between "put artifacts" and "register" leaves orphans, never a
 * dangling reference).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { SentioError } from '../errors/index.js';
import type { ImportRows, RegistryBackend } from './backend.js';
import { artifactMissing, conflict, invalid, notFound } from './errors.js';
import {
  checkAlias,
  checkExperimentName,
  checkMetrics,
  checkModelName,
  checkSha256,
  checkTagChanges,
  checkTags,
  checkVersionNumber,
} from './names.js';
import { currentHost, currentUser, gitCommit, SENTIO_VERSION, whoAmI } from './provenance.js';
import { parseRef } from './ref.js';
import { withLiveness } from './run-liveness.js';
import type {
  AliasMove,
  ApprovalRecord,
  ArtifactReference,
  ArtifactStore,
  CreateRunInput,
  DeployEvent,
  EndRolloutInput,
  EnvironmentRecord,
  EnvMoveOptions,
  EvaluationRecord,
  FinishRunOptions,
  ModelRecord,
  MoveInfo,
  PolicyRecord,
  RecordEvaluationInput,
  RegisterVersionInput,
  RegisterVersionResult,
  Registry,
  RolloutKind,
  RolloutRecord,
  RolloutStatsRecord,
  RunFilter,
  RunRecord,
  StartRolloutInput,
  TagChanges,
  VersionRecord,
} from './types.js';

const RUN_ID = /^[0-9a-f]{4,64}$/;
const MAX_DESCRIPTION = 64 * 1024;

function now(): string {
  return new Date().toISOString();
}

function checkDescription(text: string): string {
  if (typeof text !== 'string' || text.length > MAX_DESCRIPTION) {
    throw invalid(`a description is a string of at most ${MAX_DESCRIPTION} characters`);
  }
  return text;
}

export class SentioRegistry implements Registry {
  readonly location: string;

  constructor(
    readonly dir: string,
    readonly artifacts: ArtifactStore,
    private readonly db: RegistryBackend,
    /** Where the store is, for people (default: `dir`). */
    location?: string,
  ) {
    this.location = location ?? dir;
  }

  get backend(): string {
    return this.db.name;
  }

  // ── Runs ────────────────────────────────────────────────────────────────

  async createRun(input: CreateRunInput): Promise<RunRecord> {
    checkExperimentName(input.experiment);
    if (input.params === null || typeof input.params !== 'object') {
      throw invalid('params must be an object');
    }
    const id = randomBytes(6).toString('hex');
    await this.db.insertRun({
      id,
      experiment: input.experiment,
      params: input.params,
      tags: checkTags(input.tags),
      startedAt: now(),
      dataset: input.dataset ?? null,
      gitCommit: input.gitCommit !== undefined ? input.gitCommit : gitCommit(),
      host: currentHost(),
      // With the host: lets readers tell a run whose process was killed (run-liveness.ts).
      pid: process.pid,
      user: currentUser(),
      sentioVersion: SENTIO_VERSION,
    });
    return this.getRun(id);
  }

  async logMetrics(runId: string, metrics: Record<string, number>): Promise<void> {
    const run = await this.getRun(runId);
    await this.db.logRunMetrics(run.id, checkMetrics(metrics), now());
  }

  async finishRun(
    runId: string,
    status: 'finished' | 'failed',
    opts: FinishRunOptions = {},
  ): Promise<RunRecord> {
    if (status !== 'finished' && status !== 'failed') {
      throw invalid(`a run finishes as "finished" or "failed", not "${String(status)}"`);
    }
    if (opts.model !== undefined) checkModelName(opts.model);
    if (opts.version !== undefined) checkVersionNumber(opts.version);
    const run = await this.getRun(runId);
    const endedAt = now();
    const ok = await this.db.finishRun(run.id, {
      status,
      endedAt,
      durationMs: Math.max(0, Date.parse(endedAt) - Date.parse(run.startedAt)),
      error: opts.error ?? null,
      model: opts.model ?? null,
      version: opts.version ?? null,
    });
    if (!ok) {
      const now = (await this.getRun(run.id)).status;
      throw conflict(`run ${run.id} is already ${now}`, { run: run.id });
    }
    return this.getRun(run.id);
  }

  async getRun(id: string): Promise<RunRecord> {
    const key = String(id).trim().toLowerCase();
    if (!RUN_ID.test(key)) throw notFound.run(String(id));
    const found = await this.db.findRuns(key, 2);
    if (found.length === 0) throw notFound.run(String(id));
    if (found.length > 1) {
      throw new SentioError(
        'REGISTRY_BAD_REF',
        `run id prefix "${id}" is ambiguous (${found.map((r) => r.id).join(', ')}, ...); give more characters`,
        { run: id },
      );
    }
    return withLiveness(found[0] as RunRecord);
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    if (filter.limit !== undefined && (!Number.isSafeInteger(filter.limit) || filter.limit < 0)) {
      throw invalid(`limit must be a non-negative integer, got ${filter.limit}`);
    }
    const host = currentHost();
    const { status, limit, ...rest } = filter;
    if (status === undefined || status === 'finished' || status === 'failed') {
      const rows = await this.db.listRuns({ ...rest, limit, status });
      return rows.map((r) => withLiveness(r, host));
    }
    // `running` and `interrupted` are both stored as running and told apart
    // only here, so the limit applies after the check.
    const rows = await this.db.listRuns({ ...rest, status: 'running' });
    const found = rows.map((r) => withLiveness(r, host)).filter((r) => r.status === status);
    return limit === undefined ? found : found.slice(0, limit);
  }

  listExperiments(): Promise<Array<{ name: string; createdAt: string; runs: number }>> {
    return this.db.listExperiments();
  }

  // ── Versions ────────────────────────────────────────────────────────────

  /** Validate a version input and check every artifact is stored; returns the normalised artifact map. */
  private async checkVersionInput(input: RegisterVersionInput): Promise<Record<string, string>> {
    checkModelName(input.model);
    checkSha256(input.modelSha256, 'modelSha256');
    if (input.artifacts === null || typeof input.artifacts !== 'object')
      throw invalid('artifacts must be an object');
    const artifacts = { ...input.artifacts };
    if (artifacts.model === undefined) artifacts.model = input.modelSha256;
    if (artifacts.model !== input.modelSha256) {
      throw invalid('artifacts.model and modelSha256 differ', {
        model: artifacts.model,
        modelSha256: input.modelSha256,
      });
    }
    for (const [name, sha] of Object.entries(artifacts)) {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw invalid(`invalid artifact name "${name}"`);
      checkSha256(sha, `artifact "${name}"`);
      if (!(await this.artifacts.has(sha))) {
        throw artifactMissing(
          sha,
          `artifact "${name}" of ${input.model}: put it before registering`,
        );
      }
    }
    checkMetrics(input.metrics);
    checkTags(input.tags);
    if (input.description !== undefined) checkDescription(input.description);
    return artifacts;
  }

  async registerVersion(input: RegisterVersionInput): Promise<RegisterVersionResult> {
    return this.registerWith(input, {});
  }

  /** registerVersion plus rows that travel with an imported version (same transaction). */
  async registerWith(
    input: RegisterVersionInput,
    extra: ImportRows,
  ): Promise<RegisterVersionResult> {
    const artifacts = await this.checkVersionInput(input);
    if (extra.modelTags) checkTags(extra.modelTags);
    if (extra.modelDescription !== undefined) checkDescription(extra.modelDescription);
    if (extra.run) checkExperimentName(extra.run.experiment);
    if (input.runId !== undefined && input.runId !== null && extra.run?.id !== input.runId) {
      await this.getRun(input.runId); // REGISTRY_NOT_FOUND before taking the write lock
    }
    const { version, created } = await this.db.registerVersion(
      {
        model: input.model,
        modelSha256: input.modelSha256,
        artifacts,
        runId: input.runId ?? null,
        metrics: input.metrics,
        config: input.config === undefined ? null : input.config,
        dataset: input.dataset ?? null,
        description: input.description ?? '',
        tags: input.tags ?? {},
        createdAt: extra.createdAt ?? now(),
        finishRun: input.finishRun === true && input.runId !== undefined && input.runId !== null,
      },
      extra,
    );
    return { version: await this.getVersion(input.model, version), created };
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.db.listModels();
  }

  async getModel(name: string): Promise<ModelRecord> {
    const m = await this.db.getModel(name);
    if (m === null) throw notFound.model(name);
    return m;
  }

  async listVersions(model: string): Promise<VersionRecord[]> {
    await this.getModel(model);
    return this.db.listVersions(model);
  }

  async getVersion(model: string, version: number): Promise<VersionRecord> {
    const v = await this.db.getVersion(model, version);
    if (v === null) {
      await this.getModel(model); // a missing model is reported as such
      throw notFound.version(model, version);
    }
    return v;
  }

  async resolve(ref: string): Promise<VersionRecord> {
    const r = parseRef(ref);
    if (r.kind === 'version') return this.getVersion(r.model, r.version);
    const model = await this.getModel(r.model);
    if (r.kind === 'latest') {
      if (model.latestVersion === null) throw notFound.noVersions(r.model);
      return this.getVersion(r.model, model.latestVersion);
    }
    const target = model.aliases[r.alias];
    if (target === undefined) throw notFound.alias(r.model, r.alias);
    return this.getVersion(r.model, target);
  }

  // ── Aliases ─────────────────────────────────────────────────────────────

  private moveRow(move: MoveInfo) {
    if (move.who !== undefined && (typeof move.who !== 'string' || move.who.trim() === '')) {
      throw invalid('who must be a non-empty string');
    }
    return {
      at: now(),
      who: move.who ?? whoAmI(),
      reason: move.reason ?? null,
      details: move.details === undefined ? null : move.details,
    };
  }

  async setAlias(
    model: string,
    alias: string,
    version: number,
    move: MoveInfo = {},
  ): Promise<AliasMove> {
    checkModelName(model);
    checkAlias(alias);
    checkVersionNumber(version);
    return this.db.moveAlias({ model, alias, toVersion: version, ...this.moveRow(move) });
  }

  async deleteAlias(model: string, alias: string, move: MoveInfo = {}): Promise<AliasMove> {
    checkModelName(model);
    checkAlias(alias);
    return this.db.moveAlias({ model, alias, toVersion: null, ...this.moveRow(move) });
  }

  aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    return this.db.aliasHistory(model, alias);
  }

  // ── Tags and descriptions ───────────────────────────────────────────────

  async tagModel(model: string, tags: TagChanges): Promise<ModelRecord> {
    checkTagChanges(tags);
    if (!(await this.db.updateModel(model, { tags }))) throw notFound.model(model);
    return this.getModel(model);
  }

  async tagVersion(model: string, version: number, tags: TagChanges): Promise<VersionRecord> {
    checkTagChanges(tags);
    if (!(await this.db.updateVersion(model, version, { tags })))
      await this.getVersion(model, version);
    return this.getVersion(model, version);
  }

  async describeModel(model: string, text: string): Promise<ModelRecord> {
    checkDescription(text);
    if (!(await this.db.updateModel(model, { description: text }))) throw notFound.model(model);
    return this.getModel(model);
  }

  async describeVersion(model: string, version: number, text: string): Promise<VersionRecord> {
    checkDescription(text);
    if (!(await this.db.updateVersion(model, version, { description: text }))) {
      await this.getVersion(model, version);
    }
    return this.getVersion(model, version);
  }

  // ── Evaluations ─────────────────────────────────────────────────────────

  async recordEvaluation(input: RecordEvaluationInput): Promise<EvaluationRecord> {
    checkModelName(input.model);
    checkVersionNumber(input.version);
    checkMetrics(input.metrics);
    if (input.reportSha256 !== undefined) {
      checkSha256(input.reportSha256, 'reportSha256');
      if (!(await this.artifacts.has(input.reportSha256))) {
        throw artifactMissing(input.reportSha256, 'evaluation report: put it before recording');
      }
    }
    return this.db.insertEvaluation({
      model: input.model,
      version: input.version,
      at: now(),
      dataset: input.dataset ?? null,
      metrics: input.metrics,
      reportSha256: input.reportSha256 ?? null,
    });
  }

  async listEvaluations(model: string, version?: number): Promise<EvaluationRecord[]> {
    if (version === undefined) await this.getModel(model);
    else await this.getVersion(model, version);
    return this.db.listEvaluations(model, version);
  }

  // ── Deployment ──────────────────────────────────────────────────────────

  private actor(move: MoveInfo = {}) {
    const { at, who, reason } = this.moveRow(move);
    return { at, who, reason };
  }

  listEnvironments(): Promise<EnvironmentRecord[]> {
    return this.db.deploy.listEnvironments();
  }

  async addEnvironment(name: string, description = ''): Promise<EnvironmentRecord> {
    checkAlias(name);
    return this.db.deploy.addEnvironment(name, checkDescription(description), now());
  }

  async removeEnvironment(name: string): Promise<void> {
    checkAlias(name);
    return this.db.deploy.removeEnvironment(name);
  }

  async moveEnvironment(
    model: string,
    env: string,
    version: number,
    opts: EnvMoveOptions = {},
  ): Promise<AliasMove> {
    checkModelName(model);
    checkAlias(env);
    checkVersionNumber(version);
    if (opts.expectFrom !== undefined && opts.expectFrom !== null)
      checkVersionNumber(opts.expectFrom);
    return this.db.deploy.moveEnvironment({
      model,
      alias: env,
      toVersion: version,
      expectFrom: opts.expectFrom,
      ...this.moveRow(opts),
    });
  }

  async getPolicy(model: string): Promise<PolicyRecord | null> {
    checkModelName(model);
    return this.db.deploy.getPolicy(model);
  }

  async setPolicy(model: string, policy: unknown, move: MoveInfo = {}): Promise<PolicyRecord> {
    checkModelName(model);
    return this.db.deploy.setPolicy(model, policy, this.actor(move));
  }

  async recordApproval(
    model: string,
    version: number,
    env: string,
    info: { approvedBy?: string; note?: string } = {},
  ): Promise<ApprovalRecord> {
    checkModelName(model);
    checkVersionNumber(version);
    checkAlias(env);
    const actor = this.actor({ who: info.approvedBy });
    return this.db.deploy.recordApproval(model, version, env, actor, info.note ?? null);
  }

  async listApprovals(model: string, version?: number): Promise<ApprovalRecord[]> {
    checkModelName(model);
    return this.db.deploy.listApprovals(model, version);
  }

  async startRollout(input: StartRolloutInput, move: MoveInfo = {}): Promise<RolloutRecord> {
    checkModelName(input.model);
    checkAlias(input.env);
    checkVersionNumber(input.version);
    if (input.kind !== 'canary' && input.kind !== 'shadow') {
      throw invalid(`a rollout is a canary or a shadow, not "${String(input.kind)}"`);
    }
    if (!(Number.isFinite(input.percent) && input.percent > 0 && input.percent <= 100)) {
      throw invalid(`a rollout's percent must be in (0, 100], got ${input.percent}`);
    }
    return this.db.deploy.startRollout(
      { ...input, thresholds: input.thresholds ?? null },
      this.actor(move),
      move.details ?? null,
    );
  }

  async endRollout(id: number, end: EndRolloutInput, move: MoveInfo = {}): Promise<RolloutRecord> {
    if (!['aborted', 'stopped', 'promoted'].includes(end.state)) {
      throw invalid(`a rollout ends aborted, stopped or promoted, not "${String(end.state)}"`);
    }
    return this.db.deploy.endRollout(id, end.state, this.actor(move), end.details ?? null);
  }

  async getRollout(id: number): Promise<RolloutRecord> {
    const r = await this.db.deploy.getRollout(id);
    if (r === null) throw new SentioError('DEPLOY_NO_ROLLOUT', `no rollout ${id}`, { rollout: id });
    return r;
  }

  activeRollouts(model?: string): Promise<RolloutRecord[]> {
    return this.db.deploy.activeRollouts(model);
  }

  async listRollouts(
    model: string,
    filter: { env?: string; kind?: RolloutKind } = {},
  ): Promise<RolloutRecord[]> {
    checkModelName(model);
    return this.db.deploy.listRollouts(model, filter);
  }

  async putRolloutStats(rolloutId: number, instance: string, stats: unknown): Promise<void> {
    if (typeof instance !== 'string' || instance === '' || instance.length > 256) {
      throw invalid('a stats instance id is a non-empty string of at most 256 characters');
    }
    return this.db.deploy.putRolloutStats(rolloutId, instance, stats, now());
  }

  rolloutStats(rolloutId: number): Promise<RolloutStatsRecord[]> {
    return this.db.deploy.rolloutStats(rolloutId);
  }

  async recordEvent(
    event: { model: string; env: string; kind: string; version?: number | null },
    move: MoveInfo = {},
  ): Promise<DeployEvent> {
    checkModelName(event.model);
    if (typeof event.kind !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(event.kind)) {
      throw invalid(`an event kind is 1-64 lowercase letters, digits or "_", got "${event.kind}"`);
    }
    return this.db.deploy.recordEvent(
      { model: event.model, env: event.env, kind: event.kind, version: event.version ?? null },
      this.actor(move),
      move.details ?? null,
    );
  }

  async deployEvents(model: string, env?: string): Promise<DeployEvent[]> {
    checkModelName(model);
    return this.db.deploy.deployEvents(model, env);
  }

  changeToken(): Promise<string> {
    return this.db.changeToken();
  }

  /** Pushed changes where the backend has them (PostgreSQL); undefined on SQLite. */
  get watchChanges(): Registry['watchChanges'] {
    const db = this.db;
    return db.watchChanges === undefined
      ? undefined
      : (cb) => db.watchChanges?.(cb) ?? { close: async () => {} };
  }

  // ── Store ───────────────────────────────────────────────────────────────

  async referencedArtifacts(): Promise<Set<string>> {
    return new Set((await this.db.artifactReferences()).map((r) => r.sha256));
  }

  artifactReferences(): Promise<ArtifactReference[]> {
    return this.db.artifactReferences();
  }

  checkIntegrity(): Promise<string[]> {
    return this.db.checkIntegrity();
  }

  schemaVersion(): Promise<number> {
    return this.db.schemaVersion();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
