/**
 * The shapes of the server answers the pages read: a subset of the records
 * in ts/registry, ts/deploy and ts/monitor, as they arrive in JSON.
 * @module
 */
export interface ServedRef {
  ref: string;
  model: string;
  alias: string | null;
  version: number | null;
  status: string;
  modelSha256: string | null;
  classes: string[] | null;
  canary?: { version: number; percent: number } | null;
  shadow?: { version: number; percent: number } | null;
}

export interface ServedModel {
  name: string;
  classes: string[] | null;
  served: ServedRef[];
}

export interface ServerPrediction {
  model: string;
  version: number;
  label: string;
  probabilities: Record<string, number>;
  explanation?: Array<{ feature: string; weight: number; contribution: number }>;
  arm?: string;
  id?: string;
}

export interface ModelRecord {
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: string;
  latestVersion: number | null;
  versions: number;
  aliases: Record<string, number>;
  latestMetrics?: Record<string, number>;
}

export interface VersionRecord {
  model: string;
  version: number;
  createdAt: string;
  runId: string | null;
  modelSha256: string;
  artifacts: Record<string, string>;
  metrics: Record<string, number>;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  config?: unknown;
}

export interface GateResult {
  name: string;
  kind: string;
  source: string | null;
  passed: boolean;
  value: number | null;
  required: number | null;
  baseline: number | null;
  blocking: boolean;
  message: string;
}

export interface HistoryEntry {
  type: 'move' | 'event';
  id: number;
  at: string;
  env: string;
  action: string;
  fromVersion: number | null;
  toVersion: number | null;
  version: number | null;
  who: string;
  reason: string | null;
  forced: boolean;
  gates: GateResult[];
}

export interface EnvironmentView {
  name: string;
  description: string;
  builtin: boolean;
  version: number | null;
  since: string | null;
  by: string | null;
}

export interface RolloutRecord {
  id: number;
  model: string;
  env: string;
  kind: 'canary' | 'shadow';
  version: number;
  percent: number;
  state: string;
  startedAt: string;
  startedBy: string;
  endedAt: string | null;
  endReason: string | null;
}

export interface ModelView {
  model: ModelRecord;
  versions: VersionRecord[];
  environments: EnvironmentView[];
  history: HistoryEntry[];
  rollouts: RolloutRecord[];
}

export interface RunRecord {
  id: string;
  experiment: string;
  status: string;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  startedAt: string;
  durationMs: number | null;
  model: string | null;
  version: number | null;
}

export interface ClassReport {
  label?: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface VersionView {
  version: VersionRecord;
  confusion: { labels: string[]; matrix: number[][] } | null;
  report: {
    accuracy?: number;
    log_loss?: number | null;
    per_class?: ClassReport[];
    macro_avg?: ClassReport;
    weighted_avg?: ClassReport;
  } | null;
  card: string | null;
  run: RunRecord | null;
}

export interface SeriesPoint {
  at: number;
  n: number;
  value: number | null;
}

export interface Signal {
  name: string;
  value: number | null;
  threshold: number;
  direction: 'above' | 'below';
  verdict: string;
  n: number;
  reason?: string;
}

export interface ArmReport {
  version: number | null;
  requests: number;
  errors: number;
  errorRate: number | null;
  p50Ms: number | string | null;
  p95Ms: number | string | null;
  p99Ms: number | string | null;
  accuracy: number | null;
  labelled: number;
}

export interface RolloutReport {
  rollout: RolloutRecord;
  kind: 'canary' | 'shadow';
  state: string;
  arms: { stable: ArmReport; candidate: ArmReport };
  agreement: { compared: number; agreed: number; rate: number | null; dropped: number };
  breach: { metric: string; value: number; limit: number } | null;
}

export interface AlertView {
  fingerprint: string;
  rule: string;
  severity: string;
  state: string;
  summary: string;
  value: number | null;
  threshold: number | null;
  firedAt: number | null;
  updatedAt: number;
}

export interface AlertEventView {
  seq: number;
  at: number;
  rule: string;
  severity: string;
  from: string;
  to: string;
  summary: string;
}

export interface MonitoringView {
  model: string;
  window: { text: string; from: number; to: number };
  versions: Array<{ version: number; predictions: number }>;
  traffic: {
    at: number[];
    volume: number[];
    p50: Array<number | null>;
    p95: Array<number | null>;
    p99: Array<number | null>;
    accuracy: Array<number | null>;
    labelled: number[];
    expectedAccuracy: Array<number | null>;
    arms: Record<string, number>;
  } | null;
  trafficReason: string | null;
  drift: {
    version: number;
    drift: boolean;
    signals: Signal[];
    series: Record<string, SeriesPoint[]>;
  } | null;
  driftReason: string | null;
  alerts: AlertView[];
  alertHistory: AlertEventView[];
  rollouts: RolloutReport[];
}
