/**
 * The registry's public types: records as callers see them and the two
 * backend-neutral interfaces, `Registry` and `ArtifactStore`. Every method is
 * async so a networked backend (PostgreSQL, issue 9) fits behind the same
 * interface as the embedded SQLite one.
 * @module
 */

/** What a run's row holds: created `running`, then closed once as `finished` or `failed`. */
export type StoredRunStatus = 'running' | 'finished' | 'failed';

/**
 * A run's status as read: the stored one, except that a `running` run whose
 * process is known to be gone (same host, its pid no longer exists) reads as
 * `interrupted` — killed outright (SIGKILL, OOM killer, crash, reboot) before
 * it could close its run. Derived on every read (run-liveness.ts), never stored.
 */
export type RunStatus = StoredRunStatus | 'interrupted';

export interface RunRecord {
  /** 12 lowercase hex characters; commands accept any unique prefix of ≥ 4. */
  id: string;
  experiment: string;
  status: RunStatus;
  params: Record<string, unknown>;
  /** Last logged value per metric (NaN survives the round trip). */
  metrics: Record<string, number>;
  tags: Record<string, string>;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** Dataset fingerprint (ts/data's `DatasetFingerprint`, or any JSON). */
  dataset: unknown | null;
  gitCommit: string | null;
  host: string;
  /** The process that ran it, on `host`; null for runs recorded before pids were. */
  pid: number | null;
  user: string;
  sentioVersion: string;
  /** The model version this run registered (set by finishRun). */
  model: string | null;
  version: number | null;
  error: string | null;
}

export interface VersionRecord {
  model: string;
  version: number;
  createdAt: string;
  runId: string | null;
  modelSha256: string;
  /** Artifact name → sha256 (model, metrics, confusion_matrix, eval_predictions, config, profile, card). */
  artifacts: Record<string, string>;
  metrics: Record<string, number>;
  config: unknown;
  dataset: unknown | null;
  description: string;
  tags: Record<string, string>;
  /** Aliases currently pointing at this version, sorted. */
  aliases: string[];
}

export interface ModelRecord {
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
  latestVersion: number | null;
  versions: number;
  /** Alias → version. */
  aliases: Record<string, number>;
}

/** One entry of an alias's history: set (fromVersion → toVersion) or deleted (toVersion null). */
export interface AliasMove {
  id: number;
  model: string;
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  at: string;
  who: string;
  reason: string | null;
  details: unknown | null;
}

export interface EvaluationRecord {
  id: number;
  model: string;
  version: number;
  at: string;
  dataset: unknown;
  metrics: Record<string, number>;
  reportSha256: string | null;
}

/** A deployment environment: an alias name that servers follow and gates guard. */
export interface EnvironmentRecord {
  name: string;
  description: string;
  createdAt: string;
  /** staging and production: created with every store, cannot be removed. */
  builtin: boolean;
}

/** A model's deployment policy as stored (ts/deploy parses and validates it). */
export interface PolicyRecord {
  model: string;
  policy: unknown;
  updatedAt: string;
  updatedBy: string;
}

export interface ApprovalRecord {
  id: number;
  model: string;
  version: number;
  env: string;
  approvedBy: string;
  at: string;
  note: string | null;
}

export type RolloutKind = 'canary' | 'shadow';
export type RolloutState = 'active' | 'aborted' | 'stopped' | 'promoted';

/** A candidate version carried by an environment next to its stable version. */
export interface RolloutRecord {
  id: number;
  model: string;
  env: string;
  kind: RolloutKind;
  version: number;
  /** Canary: share of traffic in percent (0 < p ≤ 100); shadow: share of traffic mirrored (default 100). */
  percent: number;
  /** Automatic-abort thresholds (ts/deploy's RolloutThresholds), as given at start. */
  thresholds: unknown;
  state: RolloutState;
  startedAt: string;
  startedBy: string;
  reason: string | null;
  endedAt: string | null;
  endedBy: string | null;
  endReason: string | null;
  /** Why it ended (e.g. the threshold that tripped, with its numbers). */
  endDetails: unknown | null;
}

/** Aggregate counters one server instance reports for one rollout (ts/deploy's RolloutStats). */
export interface RolloutStatsRecord {
  rolloutId: number;
  instance: string;
  updatedAt: string;
  stats: unknown;
}

/**
 * A deployment event that is not an alias move: rollout start/stop/abort/promote,
 * approval, a promotion refused by its gates. Shown with the moves in `sentio history`.
 */
export interface DeployEvent {
  id: number;
  model: string;
  env: string;
  kind: string;
  version: number | null;
  at: string;
  who: string;
  reason: string | null;
  details: unknown | null;
}

export interface StartRolloutInput {
  model: string;
  env: string;
  kind: RolloutKind;
  version: number;
  percent: number;
  thresholds?: unknown;
}

export interface EndRolloutInput {
  state: Exclude<RolloutState, 'active'>;
  details?: unknown;
}

/** Who/why of an alias move; `who` defaults to `user@host`. */
export interface MoveInfo {
  who?: string;
  reason?: string;
  details?: unknown;
}

/**
 * What else happens in the same transaction as an environment move:
 * - `expectFrom`: the move applies only if the alias still points at this
 *   version (null: unset) — a promotion decided on gates for one production
 *   version never overwrites a move made meanwhile (REGISTRY_CONFLICT);
 * - active rollouts on the environment end: `promoted` when the new version
 *   is the rollout's candidate, `stopped` otherwise (each with an event).
 */
export interface EnvMoveOptions extends MoveInfo {
  expectFrom?: number | null;
}

export interface CreateRunInput {
  experiment: string;
  params: Record<string, unknown>;
  tags?: Record<string, string>;
  dataset?: unknown;
  /** Override the git commit read from the working directory (null: none). */
  gitCommit?: string | null;
}

export interface FinishRunOptions {
  error?: string;
  model?: string;
  version?: number;
}

export interface RegisterVersionInput {
  model: string;
  /** sha256 of the model file; must already be in the artifact store. */
  modelSha256: string;
  /** Name → sha256; every hash must already be in the artifact store. `model` defaults to modelSha256. */
  artifacts: Record<string, string>;
  runId?: string;
  metrics: Record<string, number>;
  config: unknown;
  dataset?: unknown;
  description?: string;
  tags?: Record<string, string>;
  /**
   * With `runId`: close that run as finished (with this model and version)
   * in the same transaction, so no crash can leave a registered version
   * whose run still looks running. Only a run still `running` is changed.
   */
  finishRun?: boolean;
}

export interface RegisterVersionResult {
  version: VersionRecord;
  /** False when a byte-identical model file was already a version of this model. */
  created: boolean;
}

export interface RecordEvaluationInput {
  model: string;
  version: number;
  dataset: unknown;
  metrics: Record<string, number>;
  reportSha256?: string;
}

export interface RunFilter {
  experiment?: string;
  model?: string;
  /** As read: `running` leaves out the runs that read `interrupted`. */
  status?: RunStatus;
  /** Newest first; default: all. */
  limit?: number;
}

/** Where an artifact is referenced from (for verify and gc reports). */
export interface ArtifactReference {
  sha256: string;
  model: string;
  version: number;
  /** Artifact name in the version, or `evaluation:<id>` for an evaluation report. */
  name: string;
}

/** Tag changes: a string sets the key, null removes it. */
export type TagChanges = Record<string, string | null>;

export interface ArtifactInfo {
  bytes: number;
  /** Last write or re-put; gc's grace period counts from here. */
  mtimeMs: number;
}

export interface TempFileInfo {
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface VerifyReport {
  checked: number;
  corrupt: string[];
  missing: string[];
}

/**
 * Content-addressed, write-once blob storage. Writes are atomic (a reader
 * never sees a partial object); reads are verified against the hash.
 */
export interface ArtifactStore {
  /** Store bytes; returns their sha256 (hex). Idempotent; re-putting refreshes the gc grace clock. */
  put(bytes: Uint8Array, meta?: { kind?: string }): Promise<string>;
  /** Store a file's content, streamed (large model files). */
  putFile(path: string): Promise<string>;
  /** The bytes, verified: ARTIFACT_MISSING / ARTIFACT_CORRUPT. */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /**
   * Local path of the object: the object itself for the filesystem store; for
   * remote stores the host's cached copy, and a throw when it is not cached
   * (read it with get(), which caches it).
   */
  pathOf(sha256: string): string;
  /** Re-hash every object; `expected` hashes that are absent are reported missing. */
  verifyAll(expected?: Iterable<string>): Promise<VerifyReport>;
  /** Every stored hash, sorted. */
  list(): Promise<string[]>;
  stat(sha256: string): Promise<ArtifactInfo | null>;
  /** Delete one object (gc only). True if it existed. */
  remove(sha256: string): Promise<boolean>;
  /** Leftover temp files of interrupted writes. */
  tempFiles(): Promise<TempFileInfo[]>;
  removeTemp(path: string): Promise<void>;
}

/** The registry and experiment tracker over one store. */
export interface Registry {
  /**
   * The store's local directory: the store itself for SQLite; for a URL
   * store (PostgreSQL) this host's cache directory,
   * `$SENTIO_CACHE/stores/<hash of the URL without password>/`.
   */
  readonly dir: string;
  /** Where the store is, for messages: the directory, or the URL without its password. */
  readonly location: string;
  readonly artifacts: ArtifactStore;
  /** Backend name: "sqlite" or "postgres". */
  readonly backend: string;

  createRun(input: CreateRunInput): Promise<RunRecord>;
  logMetrics(runId: string, metrics: Record<string, number>): Promise<void>;
  finishRun(
    runId: string,
    status: 'finished' | 'failed',
    opts?: FinishRunOptions,
  ): Promise<RunRecord>;
  /** By id or unique id prefix (≥ 4 characters). */
  getRun(id: string): Promise<RunRecord>;
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  listExperiments(): Promise<Array<{ name: string; createdAt: string; runs: number }>>;

  /** One transaction; identity by content (same modelSha256 for this model → existing version, created=false). */
  registerVersion(input: RegisterVersionInput): Promise<RegisterVersionResult>;
  listModels(): Promise<ModelRecord[]>;
  getModel(name: string): Promise<ModelRecord>;
  listVersions(model: string): Promise<VersionRecord[]>;
  getVersion(model: string, version: number): Promise<VersionRecord>;
  /** "NAME", "NAME@3", "NAME@latest", "NAME@ALIAS": REGISTRY_BAD_REF / REGISTRY_NOT_FOUND. */
  resolve(ref: string): Promise<VersionRecord>;

  /** One transaction: the alias row and its history row. */
  setAlias(model: string, alias: string, version: number, move?: MoveInfo): Promise<AliasMove>;
  deleteAlias(model: string, alias: string, move?: MoveInfo): Promise<AliasMove>;
  /** Oldest first. */
  aliasHistory(model: string, alias?: string): Promise<AliasMove[]>;

  // ── Deployment (environments, policies, approvals, rollouts, events) ──
  /** Every declared environment, builtin first then by name. */
  listEnvironments(): Promise<EnvironmentRecord[]>;
  /** Declare an environment (alias rules apply to its name); REGISTRY_CONFLICT when it exists. */
  addEnvironment(name: string, description?: string): Promise<EnvironmentRecord>;
  /** Remove a declared, non-builtin environment that no model's alias uses. */
  removeEnvironment(name: string): Promise<void>;
  /**
   * Point an environment (an alias) at a version, in one transaction with its
   * history row, the end of its active rollouts and their events.
   */
  moveEnvironment(
    model: string,
    env: string,
    version: number,
    opts?: EnvMoveOptions,
  ): Promise<AliasMove>;
  getPolicy(model: string): Promise<PolicyRecord | null>;
  /** Replace the model's policy (validated by the caller); recorded as a `policy` event. */
  setPolicy(model: string, policy: unknown, move?: MoveInfo): Promise<PolicyRecord>;
  /** One approval row and its `approve` event. */
  recordApproval(
    model: string,
    version: number,
    env: string,
    info: { approvedBy?: string; note?: string },
  ): Promise<ApprovalRecord>;
  listApprovals(model: string, version?: number): Promise<ApprovalRecord[]>;
  /** One active rollout per (model, env, kind): DEPLOY_ROLLOUT_ACTIVE otherwise. Writes a `<kind>_start` event. */
  startRollout(input: StartRolloutInput, move?: MoveInfo): Promise<RolloutRecord>;
  /** End an active rollout; DEPLOY_NO_ROLLOUT when it is not active. Writes a `<kind>_<state>` event. */
  endRollout(id: number, end: EndRolloutInput, move?: MoveInfo): Promise<RolloutRecord>;
  getRollout(id: number): Promise<RolloutRecord>;
  /** Active rollouts (of one model, or all). */
  activeRollouts(model?: string): Promise<RolloutRecord[]>;
  /** Every rollout of a model, newest first. */
  listRollouts(
    model: string,
    filter?: { env?: string; kind?: RolloutKind },
  ): Promise<RolloutRecord[]>;
  /** Upsert one instance's counters for a rollout (servers call this every second or so). */
  putRolloutStats(rolloutId: number, instance: string, stats: unknown): Promise<void>;
  rolloutStats(rolloutId: number): Promise<RolloutStatsRecord[]>;
  /** Append an event (e.g. `promote_refused` with gate results). */
  recordEvent(
    event: { model: string; env: string; kind: string; version?: number | null },
    move?: MoveInfo,
  ): Promise<DeployEvent>;
  /** Events of a model (optionally one environment), oldest first. */
  deployEvents(model: string, env?: string): Promise<DeployEvent[]>;
  /**
   * A cheap value that changes whenever any process commits to the store
   * (SQLite: PRAGMA data_version plus this connection's own writes). Servers
   * poll it and re-read models and rollouts only when it changed.
   */
  changeToken(): Promise<string>;
  /**
   * Pushed changes, where the backend has them (PostgreSQL: LISTEN/NOTIFY;
   * SQLite has none, servers poll changeToken). The subscriber hears every
   * committed write, and when the connection is lost and re-established
   * (after which it should re-read: changes made meanwhile were not pushed).
   */
  watchChanges?(onEvent: (e: RegistryChangeEvent) => void): { close(): Promise<void> };

  tagModel(model: string, tags: TagChanges): Promise<ModelRecord>;
  tagVersion(model: string, version: number, tags: TagChanges): Promise<VersionRecord>;
  describeModel(model: string, text: string): Promise<ModelRecord>;
  describeVersion(model: string, version: number, text: string): Promise<VersionRecord>;

  recordEvaluation(input: RecordEvaluationInput): Promise<EvaluationRecord>;
  listEvaluations(model: string, version?: number): Promise<EvaluationRecord[]>;

  /** Every hash any version or evaluation points to (gc never removes these). */
  referencedArtifacts(): Promise<Set<string>>;
  artifactReferences(): Promise<ArtifactReference[]>;
  /** The database's own consistency check ("ok" when healthy). */
  checkIntegrity(): Promise<string[]>;
  /** Schema version of the open store. */
  schemaVersion(): Promise<number>;

  close(): Promise<void>;
}

export interface OpenOptions {
  /** Open without writing; the store must exist (REGISTRY_STORE_NOT_FOUND). */
  readonly?: boolean;
  /** Create the store when missing (default true unless readonly). */
  create?: boolean;
}

/** What a `Registry.watchChanges` subscription reports. */
export type RegistryChangeEvent =
  | { type: 'change' }
  | { type: 'connected'; reconnect: boolean }
  | { type: 'disconnected'; error: string };
