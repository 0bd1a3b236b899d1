/**
 * The messages between the server's event loop and its monitoring thread
 * (monitor-worker.ts): evaluations on the server's schedule, reports on
 * demand, and what the thread reports back (deliveries, log lines).
 * @module
 */
import type {
  AlertRecord,
  DeepPartial,
  DeliveryResult,
  SignalSnapshot,
  Thresholds,
} from '../../monitor/index.js';
import type { WireError } from './log-protocol.js';
import type { ResolvedMonitoring } from './monitor-options.js';

export interface MonitorWorkerInit extends ResolvedMonitoring {
  store: string;
}

export interface RequestCounts {
  requests: number;
  errors: number;
}

export type ToMonitorWorker =
  | {
      t: 'evaluate';
      seq: number;
      models: string[];
      counts: Record<string, RequestCounts>;
    }
  | {
      t: 'report';
      seq: number;
      model: string;
      window: string;
      version?: number;
      thresholds: DeepPartial<Thresholds>;
    }
  | { t: 'close'; seq: number; timeoutMs: number };

/** One evaluation: the snapshots (gauges), the open alerts and what changed. */
export interface EvaluationReply {
  at: number;
  durationMs: number;
  snapshots: SignalSnapshot[];
  open: AlertRecord[];
  transitions: Array<{ rule: string; model: string; from: string; to: string }>;
  failed: string[];
}

export type FromMonitorWorker =
  | { t: 'ready' }
  | { t: 'reply'; seq: number; ok: true; value: unknown }
  | { t: 'reply'; seq: number; ok: false; error: WireError }
  | { t: 'delivery'; result: DeliveryResult }
  | { t: 'log'; level: 'info' | 'warn'; obj: Record<string, unknown>; msg: string }
  | { t: 'problem'; event: string; error: WireError };
