/**
 * The storage contract under the registry. Everything backend-specific (SQL,
 * connections, locking, row mapping) lives in an implementation of this
 * interface — `sqlite/backend.ts` today, a PostgreSQL one later (issue 9).
 * Everything else (validation, refs, defaults, timestamps, provenance,
 * artifact checks, gc, export/import) is in backend-neutral code that only
 * talks to this interface.
 *
 * Rules for implementations: inputs arrive validated; each method is atomic
 * (one transaction); methods that allocate or move (registerVersion,
 * moveAlias) take the write lock before reading what they decide on;
 * missing entities are reported with the shared errors in ../errors.ts.
 * @module
 */
import type {
  AliasMove,
  ApprovalRecord,
  ArtifactReference,
  DeployEvent,
  EnvironmentRecord,
  EvaluationRecord,
  ModelRecord,
  PolicyRecord,
  RegistryChangeEvent,
  RolloutKind,
  RolloutRecord,
  RolloutStatsRecord,
  RunFilter,
  RunRecord,
  StoredRunStatus,
  TagChanges,
  VersionRecord,
} from './types.js';

export interface NewRunRow {
  id: string;
  experiment: string;
  params: Record<string, unknown>;
  tags: Record<string, string>;
  startedAt: string;
  dataset: unknown | null;
  gitCommit: string | null;
  host: string;
  /** The process that runs it (null: unknown, e.g. an imported run from before pids were recorded). */
  pid: number | null;
  user: string;
  sentioVersion: string;
}

/** Backends filter on the stored status; the registry derives `interrupted` on top. */
export interface RunRowFilter extends Omit<RunFilter, 'status'> {
  status?: StoredRunStatus;
}

export interface RunFinishRow {
  status: Exclude<StoredRunStatus, 'running'>;
  endedAt: string;
  durationMs: number;
  error: string | null;
  model: string | null;
  version: number | null;
}

export interface NewVersionRow {
  model: string;
  modelSha256: string;
  artifacts: Record<string, string>;
  runId: string | null;
  metrics: Record<string, number>;
  config: unknown;
  dataset: unknown | null;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
  /** Close `runId` as finished with this version, in the same transaction. */
  finishRun: boolean;
}

/** Extra rows written in the same transaction as an imported version. */
export interface ImportRows {
  /** The version's creation time in its original store (default: now). */
  createdAt?: string;
  /** Inserted when no run with this id exists yet (lineage travels with the version). */
  run?: RunRecord;
  /** Inserted only when the version is created (re-imports add nothing). */
  evaluations?: Array<Pick<EvaluationRecord, 'at' | 'dataset' | 'metrics' | 'reportSha256'>>;
  /** Applied only when the model itself is created by this import. */
  modelDescription?: string;
  modelTags?: Record<string, string>;
}

export interface AliasMoveRow {
  model: string;
  alias: string;
  /** null deletes the alias. */
  toVersion: number | null;
  at: string;
  who: string;
  reason: string | null;
  details: unknown | null;
}

/** An environment move: an alias move with a precondition and the end of the env's rollouts. */
export interface EnvMoveRow extends AliasMoveRow {
  toVersion: number;
  /** undefined: no check; null: the alias must be unset; n: it must point at n (REGISTRY_CONFLICT). */
  expectFrom: number | null | undefined;
}

/** Who/when/why of a deployment write. */
export interface ActorRow {
  at: string;
  who: string;
  reason: string | null;
}

export interface NewEvaluationRow {
  model: string;
  version: number;
  at: string;
  dataset: unknown;
  metrics: Record<string, number>;
  reportSha256: string | null;
}

export interface RegistryBackend {
  /** "sqlite", "postgres", ... */
  readonly name: string;

  schemaVersion(): Promise<number>;
  checkIntegrity(): Promise<string[]>;
  close(): Promise<void>;

  // Experiment tracking
  insertRun(row: NewRunRow): Promise<void>;
  /** Upsert the last value of each metric; REGISTRY_NOT_FOUND for an unknown run. */
  logRunMetrics(runId: string, metrics: Record<string, number>, at: string): Promise<void>;
  /** Close a running run; false when it was not running (already closed). */
  finishRun(runId: string, row: RunFinishRow): Promise<boolean>;
  /** Runs whose id equals or starts with `idOrPrefix` (at most `limit`), with their stored status. */
  findRuns(idOrPrefix: string, limit: number): Promise<RunRecord[]>;
  listRuns(filter: RunRowFilter): Promise<RunRecord[]>;
  listExperiments(): Promise<Array<{ name: string; createdAt: string; runs: number }>>;

  // Models and versions
  /**
   * In one write transaction: create the model if needed; if a version of it
   * has `modelSha256`, return it (created=false); else allocate the next
   * number and insert the version with artifacts, metrics and tags.
   */
  registerVersion(
    row: NewVersionRow,
    extra?: ImportRows,
  ): Promise<{ version: number; created: boolean }>;
  getModel(name: string): Promise<ModelRecord | null>;
  listModels(): Promise<ModelRecord[]>;
  getVersion(model: string, version: number): Promise<VersionRecord | null>;
  listVersions(model: string): Promise<VersionRecord[]>;
  /** Alias → version, or null. */
  aliasTarget(model: string, alias: string): Promise<number | null>;
  updateModel(name: string, change: { description?: string; tags?: TagChanges }): Promise<boolean>;
  updateVersion(
    model: string,
    version: number,
    change: { description?: string; tags?: TagChanges },
  ): Promise<boolean>;

  // Aliases
  /** Set or delete an alias and append its history row, in one transaction. */
  moveAlias(row: AliasMoveRow): Promise<AliasMove>;
  aliasHistory(model: string, alias?: string): Promise<AliasMove[]>;

  // Evaluations
  insertEvaluation(row: NewEvaluationRow): Promise<EvaluationRecord>;
  listEvaluations(model: string, version?: number): Promise<EvaluationRecord[]>;

  // Artifacts
  artifactReferences(): Promise<ArtifactReference[]>;

  // Deployment
  readonly deploy: DeployBackend;
  /** Changes whenever anyone commits to the store (see Registry.changeToken). */
  changeToken(): Promise<string>;
  /** Pushed changes (PostgreSQL); absent where servers poll (see Registry.watchChanges). */
  watchChanges?(onEvent: (e: RegistryChangeEvent) => void): { close(): Promise<void> };
}

/**
 * Deployment state: environments, policies, approvals, rollouts (canary and
 * shadow) with their per-instance stats, and the audit events that are not
 * alias moves. Same rules as RegistryBackend (atomic methods, validated input).
 */
export interface DeployBackend {
  listEnvironments(): Promise<EnvironmentRecord[]>;
  addEnvironment(name: string, description: string, at: string): Promise<EnvironmentRecord>;
  removeEnvironment(name: string): Promise<void>;
  /**
   * In one write transaction: check the environment is declared and the
   * precondition, move the alias with its history row, end the env's active
   * rollouts (promoted when the new version is the candidate, else stopped)
   * with an event each.
   */
  moveEnvironment(row: EnvMoveRow): Promise<AliasMove>;
  getPolicy(model: string): Promise<PolicyRecord | null>;
  setPolicy(model: string, policy: unknown, actor: ActorRow): Promise<PolicyRecord>;
  recordApproval(
    model: string,
    version: number,
    env: string,
    actor: ActorRow,
    note: string | null,
  ): Promise<ApprovalRecord>;
  listApprovals(model: string, version?: number): Promise<ApprovalRecord[]>;
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
  ): Promise<RolloutRecord>;
  endRollout(
    id: number,
    state: 'aborted' | 'stopped' | 'promoted',
    actor: ActorRow,
    details: unknown | null,
  ): Promise<RolloutRecord>;
  getRollout(id: number): Promise<RolloutRecord | null>;
  activeRollouts(model?: string): Promise<RolloutRecord[]>;
  listRollouts(
    model: string,
    filter: { env?: string; kind?: RolloutKind },
  ): Promise<RolloutRecord[]>;
  putRolloutStats(rolloutId: number, instance: string, stats: unknown, at: string): Promise<void>;
  rolloutStats(rolloutId: number): Promise<RolloutStatsRecord[]>;
  recordEvent(
    event: { model: string; env: string; kind: string; version: number | null },
    actor: ActorRow,
    details: unknown | null,
  ): Promise<DeployEvent>;
  deployEvents(model: string, env?: string): Promise<DeployEvent[]>;
}
