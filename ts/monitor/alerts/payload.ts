/**
 * The JSON a webhook receives, in Alertmanager's webhook format (version 4)
 * so one receiver can take Sentio's own alerts and Prometheus/Alertmanager's
 * alike: one alert per notification, labels `alertname` (the rule), `model`,
 * `severity` and the rule's own labels (e.g. `signal`), annotations with the
 * summary, value and threshold as text. Sentio adds a `sentio` object with
 * the typed values and the alert's state (receivers may ignore it).
 * @module
 */
import { SENTIO_VERSION } from '../../registry/index.js';
import type { AlertNotification } from './types.js';

/** Alertmanager's "not ended" time. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
  sentio: {
    version: string;
    model: string;
    rule: string;
    state: string;
    value: number | null;
    threshold: number | null;
    repeat: boolean;
    activeAt: string | null;
    firedAt: string | null;
    resolvedAt: string | null;
    evaluatedAt: string;
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function webhookPayload(n: AlertNotification, receiver: string): WebhookPayload {
  const a = n.alert;
  const labels = { ...a.labels, alertname: a.rule, model: a.model, severity: a.severity };
  const annotations: Record<string, string> = { summary: a.summary };
  if (a.value !== null) annotations.value = String(a.value);
  if (a.threshold !== null) annotations.threshold = String(a.threshold);
  return {
    version: '4',
    groupKey: `sentio:${a.fingerprint}`,
    truncatedAlerts: 0,
    status: n.status,
    receiver,
    groupLabels: { alertname: a.rule, model: a.model },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: '',
    alerts: [
      {
        status: n.status,
        labels,
        annotations,
        startsAt: iso(a.firedAt ?? a.activeAt ?? n.at) as string,
        endsAt: n.status === 'resolved' ? (iso(a.resolvedAt ?? n.at) as string) : ZERO_TIME,
        generatorURL: '',
        fingerprint: a.fingerprint,
      },
    ],
    sentio: {
      version: SENTIO_VERSION,
      model: a.model,
      rule: a.rule,
      state: a.state,
      value: a.value,
      threshold: a.threshold,
      repeat: n.repeat,
      activeAt: iso(a.activeAt),
      firedAt: iso(a.firedAt),
      resolvedAt: iso(a.resolvedAt),
      evaluatedAt: iso(n.at) as string,
    },
  };
}
