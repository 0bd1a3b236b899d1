/**
 * Alerting's public types: rules (what to watch), the signal snapshot they
 * are evaluated on, observations (one rule's verdict for one label set),
 * alert records and their history, notifications, and `AlertStore`, the
 * storage interface (SQLite in monitor.db; async so a networked backend fits).
 * @module
 */
import type { Signal, SignalName } from '../signals.js';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/** inactive → pending → firing → resolved (and pending → inactive when the condition clears early). */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';
export const ALERT_STATES: readonly AlertState[] = ['inactive', 'pending', 'firing', 'resolved'];

export type RuleKind =
  | 'drift'
  | 'accuracy'
  | 'expected_accuracy'
  | 'error_rate'
  | 'latency_p99'
  | 'volume_drop'
  | 'rollout_aborted';
export const RULE_KINDS: readonly RuleKind[] = [
  'drift',
  'accuracy',
  'expected_accuracy',
  'error_rate',
  'latency_p99',
  'volume_drop',
  'rollout_aborted',
];

interface RuleBase {
  /** Unique within a model's rule set; the alert name. */
  name: string;
  /** How long the condition must hold before the alert fires (0: at once). */
  forMs: number;
  severity: Severity;
  enabled: boolean;
  description?: string;
}

/** A drift signal past its line (the signal's own, or `thresholds[signal]`). One alert per signal. */
export interface DriftRule extends RuleBase {
  kind: 'drift';
  signals: SignalName[];
  /** Overrides: for oov_rate the allowed increase over the reference; for text_length the Wasserstein line. */
  thresholds: Partial<Record<SignalName, number>>;
}

/** Measured accuracy (feedback) below `below`, or more than `maxDrop` under the offline accuracy. */
export interface AccuracyRule extends RuleBase {
  kind: 'accuracy';
  below: number | null;
  maxDrop: number | null;
  minLabelled: number;
}

/** Label-free estimate below `below`, or more than `maxDrop` under its value on the evaluation set. */
export interface ExpectedAccuracyRule extends RuleBase {
  kind: 'expected_accuracy';
  below: number | null;
  maxDrop: number | null;
  minPredictions: number;
}

/** Share of failed requests above `above` (the server supplies the counts). */
export interface ErrorRateRule extends RuleBase {
  kind: 'error_rate';
  above: number;
  minRequests: number;
}

/** 99th percentile of logged prediction latency above `aboveMs`. */
export interface LatencyRule extends RuleBase {
  kind: 'latency_p99';
  aboveMs: number;
  minPredictions: number;
}

/** Predictions in the window fell by more than `maxDrop` (a share) against the window before. */
export interface VolumeDropRule extends RuleBase {
  kind: 'volume_drop';
  maxDrop: number;
  minPrevious: number;
}

/** A canary or shadow rollout ended `aborted` (automatic abort) within `lookbackMs`. One alert per rollout. */
export interface RolloutAbortRule extends RuleBase {
  kind: 'rollout_aborted';
  lookbackMs: number;
}

export type AlertRule =
  | DriftRule
  | AccuracyRule
  | ExpectedAccuracyRule
  | ErrorRateRule
  | LatencyRule
  | VolumeDropRule
  | RolloutAbortRule;

/** A model's effective rules and where they came from. */
export interface RuleSet {
  model: string;
  rules: AlertRule[];
  /** "defaults" (nothing stored) or "stored". */
  source: 'defaults' | 'stored';
  /** The stored document (what `rules show` prints), when stored. */
  document: Record<string, unknown> | null;
  updatedAt: number | null;
  updatedBy: string | null;
}

/** An aborted rollout, as the snapshot carries it. */
export interface RolloutAbort {
  rollout: number;
  env: string;
  kind: string;
  version: number;
  endedAt: number;
  reason: string | null;
}

/**
 * Everything the rules of one model are evaluated on, measured at `at` over
 * one window. Built by `SignalCollector` from monitor.db and the registry;
 * `errors` comes from the server (it alone sees failed requests).
 */
export interface SignalSnapshot {
  model: string;
  /** The version the window's numbers are about (most predictions), null without traffic. */
  version: number | null;
  at: number;
  window: { text: string; ms: number; from: number; to: number; predictions: number };
  /** Part 1's drift signals of that version (empty without traffic or profile). */
  drift: Signal[];
  accuracy: { value: number | null; labelled: number; offline: number | null };
  expectedAccuracy: { value: number | null; predictions: number; reference: number | null };
  latencyP99Ms: { value: number | null; n: number };
  /** Predictions of the model (every version) in this window and the one before it. */
  volume: { current: number; previous: number };
  /** Requests and failed requests since the previous snapshot (absent outside the server). */
  errors?: { requests: number; errors: number };
  rolloutAborts: RolloutAbort[];
}

/** One rule's verdict for one label set: active (condition holds), not, or unknown (no data). */
export interface Observation {
  rule: string;
  severity: Severity;
  labels: Record<string, string>;
  active: boolean | null;
  value: number | null;
  threshold: number | null;
  summary: string;
}

export interface AlertRecord {
  /** Hash of (model, rule, labels): the de-duplication key. */
  fingerprint: string;
  model: string;
  rule: string;
  labels: Record<string, string>;
  severity: Severity;
  state: AlertState;
  value: number | null;
  threshold: number | null;
  summary: string;
  /** When the condition started holding (this episode). */
  activeAt: number | null;
  firedAt: number | null;
  resolvedAt: number | null;
  updatedAt: number;
  /** Last time a notification was handed to the notifiers. */
  notifiedAt: number | null;
}

/** One state change, as stored in the history. */
export interface AlertEvent {
  seq: number;
  at: number;
  fingerprint: string;
  model: string;
  rule: string;
  labels: Record<string, string>;
  severity: Severity;
  from: AlertState;
  to: AlertState;
  value: number | null;
  threshold: number | null;
  summary: string;
}

/** What an evaluation changed for one alert, and whether to notify. */
export interface Transition {
  alert: AlertRecord;
  from: AlertState;
  to: AlertState;
  /** Send a notification: on firing, on resolved, and on a repeat of a long-firing alert. */
  notify: 'firing' | 'resolved' | null;
  repeat: boolean;
}

export interface AlertNotification {
  status: 'firing' | 'resolved';
  alert: AlertRecord;
  repeat: boolean;
  /** When the evaluation that produced it ran. */
  at: number;
}

export interface DeliveryResult {
  notifier: string;
  outcome: 'delivered' | 'failed' | 'dropped';
  attempts: number;
  error?: string;
}

export interface DeliveryRecord extends DeliveryResult {
  seq: number;
  at: number;
  fingerprint: string;
  model: string;
  rule: string;
  status: 'firing' | 'resolved';
}

/** Where notifications go. `notify` is synchronous and never throws nor blocks. */
export interface Notifier {
  readonly name: string;
  notify(n: AlertNotification, done?: (r: DeliveryResult) => void): void;
  /** Deliver what is queued (up to `timeoutMs`), then stop. */
  close(timeoutMs?: number): Promise<void>;
}

export interface AlertFilter {
  model?: string;
  states?: readonly AlertState[];
}

export interface HistoryFilter {
  model?: string;
  /** Only events after this sequence number (a reader following the history). */
  afterSeq?: number;
  /** Inclusive, ms since the epoch. */
  since?: number;
  /** The newest `limit` events (still returned oldest first). */
  limit?: number;
}

export interface StoredRules {
  model: string;
  document: Record<string, unknown>;
  updatedAt: number;
  updatedBy: string;
}

/** Storage of rules, alert state, history and deliveries. */
export interface AlertStore {
  readonly location: string;
  getRules(model: string): Promise<StoredRules | null>;
  setRules(model: string, document: Record<string, unknown>, who: string): Promise<StoredRules>;
  /** True when something was removed. */
  deleteRules(model: string): Promise<boolean>;
  ruleModels(): Promise<string[]>;
  /**
   * One transaction: run the state machine for the model's observations (and
   * its open alerts that were not observed), store new states and events,
   * and return the transitions. Several processes evaluating the same model
   * get each transition once: the first to commit it.
   */
  apply(
    model: string,
    rules: readonly AlertRule[],
    observations: readonly Observation[],
    now: number,
    opts?: { repeatIntervalMs?: number },
  ): Promise<Transition[]>;
  alerts(filter?: AlertFilter): Promise<AlertRecord[]>;
  history(filter?: HistoryFilter): Promise<AlertEvent[]>;
  recordDelivery(n: AlertNotification, r: DeliveryResult, at: number): Promise<void>;
  deliveries(filter?: HistoryFilter): Promise<DeliveryRecord[]>;
  /** Delete events and deliveries older than `before`, and resolved/inactive alerts last updated before it. */
  prune(before: number): Promise<{ events: number; deliveries: number; alerts: number }>;
  close(): Promise<void>;
}
