/**
 * Monitoring settings of a server: how often the drift, accuracy and alert
 * evaluation runs (15 s), over which window of logged traffic (the last
 * hour, capped to its newest 10 000 predictions so one evaluation costs the
 * same at any traffic), and where alerts go (the log, plus webhooks).
 * @module
 */
import { SentioError } from '../../errors/index.js';
import { COLLECTOR_DEFAULTS, type DeepPartial, type Thresholds } from '../../monitor/index.js';

export interface AlertWebhook {
  url: string;
  /** HMAC secret (default: $SENTIO_ALERT_WEBHOOK_SECRET). */
  secret?: string;
}

export interface MonitoringOptions {
  /** Evaluation period, ms (default 15 000). */
  intervalMs?: number;
  /** Traffic window, ms (default 1 hour). */
  windowMs?: number;
  /** Newest predictions per window at most (default 10 000). */
  maxPredictions?: number;
  /** Drift threshold overrides (as `monitor report --threshold`). */
  thresholds?: DeepPartial<Thresholds>;
  /** Alert rules (from the store) evaluated with the signals; false: no alerting. */
  alerts?: false | { webhooks?: AlertWebhook[]; repeatIntervalMs?: number };
}

export interface ResolvedMonitoring {
  intervalMs: number;
  windowMs: number;
  maxPredictions: number;
  thresholds: DeepPartial<Thresholds>;
  alerts: { webhooks: AlertWebhook[]; repeatIntervalMs: number | null } | null;
}

export const MONITOR_DEFAULTS = { intervalMs: 15_000 };
export const ALERT_SECRET_ENV = 'SENTIO_ALERT_WEBHOOK_SECRET';

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x <= 0) {
    throw new SentioError(
      'SERVE_BAD_OPTION',
      `monitoring.${name} must be a positive integer, got ${String(v)}`,
      { option: name },
    );
  }
  return x;
}

/** null: no monitoring evaluation in this server (`monitoring: false`). */
export function resolveMonitoring(
  o: MonitoringOptions | false | undefined,
): ResolvedMonitoring | null {
  if (o === false) return null;
  const m = o ?? {};
  const secret = process.env[ALERT_SECRET_ENV];
  let alerts: ResolvedMonitoring['alerts'] = null;
  if (m.alerts !== false) {
    const webhooks = (m.alerts?.webhooks ?? []).map((w) => {
      let url: URL;
      try {
        url = new URL(w.url);
      } catch {
        throw new SentioError('SERVE_BAD_OPTION', `alert webhook "${w.url}" is not a URL`, {
          option: 'alerts.webhooks',
        });
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new SentioError(
          'SERVE_BAD_OPTION',
          `alert webhook "${w.url}" must be an http or https URL`,
          { option: 'alerts.webhooks' },
        );
      }
      const s = w.secret ?? secret;
      return { url: w.url, ...(s ? { secret: s } : {}) };
    });
    alerts = { webhooks, repeatIntervalMs: m.alerts?.repeatIntervalMs ?? null };
  }
  return {
    intervalMs: positiveInt('intervalMs', m.intervalMs, MONITOR_DEFAULTS.intervalMs),
    windowMs: positiveInt('windowMs', m.windowMs, COLLECTOR_DEFAULTS.windowMs),
    maxPredictions: positiveInt(
      'maxPredictions',
      m.maxPredictions,
      COLLECTOR_DEFAULTS.maxPredictions,
    ),
    thresholds: m.thresholds ?? {},
    alerts,
  };
}
