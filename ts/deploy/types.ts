/**
 * The shapes ts/deploy hands to its two front ends (the CLI and the
 * server's admin routes): gate results, move results, policies, history and
 * rollout reports. Plain JSON-able data, so `--json` and the REST API print
 * them as they are.
 * @module
 */
import type {
  AliasMove,
  DeployEvent,
  RolloutKind,
  RolloutRecord,
  RolloutState,
} from '../registry/index.js';
import type { RolloutThresholds, ThresholdBreach } from './stats.js';

/** Identity of the caller; defaults to the registry's `user@host` (SENTIO_USER overrides the user). */
export interface Who {
  who?: string;
}

export type GateKind = 'metric' | 'checksum' | 'parity' | 'approval';
export type GateSource = 'recorded' | 'gate-data';

/** One gate's verdict. `message` names both numbers (value and what was required). */
export interface GateResult {
  /** `accuracy >= 0.85` for metric gates, else the kind. */
  name: string;
  kind: GateKind;
  /** Metric gates: recorded metrics or the --gate-data re-evaluation; null for the others. */
  source: GateSource | null;
  passed: boolean;
  /** The candidate's number (metric value, parity: largest |difference|, approval: valid approvals). */
  value: number | null;
  /** The bound it had to meet (relative gates: baseline ± offset). */
  required: number | null;
  /** The environment's current version's number on the same source (relative gates). */
  baseline: number | null;
  /** False for a gate that is only reported (parity where the policy does not ask for it). */
  blocking: boolean;
  message: string;
}

export type MoveAction = 'deploy' | 'promote' | 'rollback' | 'canary_promote';

/** What an environment move stores in its history row's `details`. */
export interface MoveDetails {
  action: MoveAction;
  forced: boolean;
  gates: GateResult[];
  from_env?: string;
}

export interface MoveResult {
  model: string;
  env: string;
  fromVersion: number | null;
  toVersion: number;
  /** True when a failing blocking gate was overridden with force. */
  forced: boolean;
  gates: GateResult[];
  move: AliasMove;
}

export type GateOp = '>=' | '<=' | '>' | '<';

/** `metric op bound` or `metric op prod ± offset`. */
export interface MetricGate {
  /** The expression as written (normalised spacing). */
  text: string;
  metric: string;
  op: GateOp;
  /** Absolute: `value` is the bound. Relative: bound = current version's metric + `value`. */
  relative: boolean;
  value: number;
}

/** A model's deployment policy, validated. */
export interface ModelPolicy {
  /** Environment → metric gates (none by default). */
  gates: Record<string, MetricGate[]>;
  /**
   * Parity gate blocking: true = every gated move, false = report only,
   * null (default) = blocking for environments that declare metric gates.
   */
  parity: boolean | null;
  /** Environments whose moves need an approval by someone other than the mover. */
  approval: string[];
  /** Defaults for canary/shadow thresholds. */
  canary: Partial<RolloutThresholds>;
}

/** One line of `sentio history`: an alias move or a deployment event. */
export interface HistoryEntry {
  type: 'move' | 'event';
  id: number;
  at: string;
  env: string;
  /** Move: details.action (`deploy`, `promote`, …; `alias` for plain alias moves, `delete`); event: its kind. */
  action: string;
  fromVersion: number | null;
  toVersion: number | null;
  /** Event: the version it is about. */
  version: number | null;
  who: string;
  reason: string | null;
  forced: boolean;
  gates: GateResult[];
  details: unknown | null;
}

/** Which version served an environment at an instant, and since when. */
export interface ServingAt {
  env: string;
  /** Null: the environment pointed nowhere then. */
  version: number | null;
  /** The move that put it there (null when nothing had moved yet). */
  since: AliasMove | null;
  /** Canary/shadow candidates active at that instant. */
  rollouts: Array<{ id: number; kind: RolloutKind; version: number; percent: number }>;
}

export interface HistoryReport {
  model: string;
  env: string | null;
  entries: HistoryEntry[];
  /** With `at`: the instant asked about and, per environment, what served then. */
  at: { time: string; serving: ServingAt[] } | null;
}

/** Latency upper bound in ms; `">2500"` for the open bucket; null without requests. */
export type LatencyBound = number | string | null;

export interface ArmReport {
  version: number | null;
  requests: number;
  errors: number;
  errorRate: number | null;
  p50Ms: LatencyBound;
  p95Ms: LatencyBound;
  p99Ms: LatencyBound;
  /** On this arm's predictions that got feedback labels (null without any). */
  accuracy: number | null;
  /** Predictions of this arm with a feedback label. */
  labelled: number;
}

export interface ClassAgreement {
  /** The stable version's label. */
  label: string;
  compared: number;
  agreed: number;
  rate: number | null;
}

export interface RolloutReport {
  rollout: RolloutRecord;
  kind: RolloutKind;
  state: RolloutState;
  thresholds: RolloutThresholds;
  /** Instances that reported counters, with their last report time. */
  instances: Array<{ instance: string; updatedAt: string }>;
  since: string | null;
  arms: { stable: ArmReport; candidate: ArmReport };
  agreement: {
    compared: number;
    agreed: number;
    rate: number | null;
    /** Comparisons skipped because the off-path queue was full. */
    dropped: number;
    perClass: ClassAgreement[];
    /** Rows: stable label; columns: candidate label; both in `labels` order. */
    confusion: { labels: string[]; matrix: number[][] };
  };
  accuracyNote: string;
  /** The threshold the merged counters cross now (null: none, or below min requests). */
  breach: ThresholdBreach | null;
  /** Why it ended, when it has. */
  endDetails: unknown | null;
}

export type { AliasMove, DeployEvent };
