/**
 * Tables for `sentio alerts`: rules, current alerts, history and
 * deliveries, for humans (colour by severity and state, times in UTC).
 * @module
 */
import {
  type AlertEvent,
  type AlertRecord,
  type AlertState,
  type DeliveryRecord,
  durationText,
  type RuleSet,
  ruleCondition,
  type Severity,
} from '../../monitor/index.js';
import { color, num, table } from '../output.js';

export function when(ms: number | null): string {
  return ms === null ? '–' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function labelsText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : '–';
}

function severity(s: Severity): string {
  return s === 'critical' ? color.red(s) : s === 'warning' ? color.yellow(s) : s;
}

function state(s: AlertState): string {
  if (s === 'firing') return color.red(color.bold(s));
  if (s === 'pending') return color.yellow(s);
  if (s === 'resolved') return color.green(s);
  return color.dim(s);
}

export function rulesView(set: RuleSet): string {
  const head =
    set.source === 'defaults'
      ? `${color.bold(set.model)}: default rules (nothing stored; change them with sentio alerts rules set ${set.model} FILE)`
      : `${color.bold(set.model)}: rules set ${when(set.updatedAt)} by ${set.updatedBy}${set.document?.defaults === false ? ' (defaults off)' : ''}`;
  return [
    head,
    '',
    table(
      ['rule', 'kind', 'fires when', 'for', 'severity', 'enabled'],
      set.rules.map((r) => [
        r.name,
        r.kind,
        ruleCondition(r),
        durationText(r.forMs),
        severity(r.severity),
        r.enabled ? 'yes' : color.dim('no'),
      ]),
      ['left', 'left', 'left', 'right', 'left', 'left'],
    ),
  ].join('\n');
}

export function alertsView(alerts: readonly AlertRecord[], now = Date.now()): string {
  if (alerts.length === 0) return 'no alerts';
  const since = (a: AlertRecord) => {
    const at = a.state === 'firing' ? a.firedAt : a.state === 'pending' ? a.activeAt : a.resolvedAt;
    if (at === null) return when(a.updatedAt);
    return `${when(at)} (${durationText(Math.max(0, Math.round((now - at) / 1000)) * 1000)})`;
  };
  return table(
    ['state', 'severity', 'model', 'rule', 'labels', 'value', 'threshold', 'since', 'summary'],
    alerts.map((a) => [
      state(a.state),
      severity(a.severity),
      a.model,
      a.rule,
      labelsText(a.labels),
      num(a.value),
      num(a.threshold),
      since(a),
      a.summary,
    ]),
    ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'left', 'left'],
  );
}

export function historyView(events: readonly AlertEvent[]): string {
  if (events.length === 0) return 'no alert history';
  return table(
    ['time', 'model', 'rule', 'labels', 'change', 'severity', 'value', 'summary'],
    events.map((e) => [
      when(e.at),
      e.model,
      e.rule,
      labelsText(e.labels),
      `${e.from} → ${state(e.to)}`,
      severity(e.severity),
      num(e.value),
      e.summary,
    ]),
    ['left', 'left', 'left', 'left', 'left', 'left', 'right', 'left'],
  );
}

export function deliveriesView(ds: readonly DeliveryRecord[]): string {
  if (ds.length === 0) return 'no deliveries';
  return table(
    ['time', 'model', 'rule', 'status', 'notifier', 'outcome', 'attempts', 'error'],
    ds.map((d) => [
      when(d.at),
      d.model,
      d.rule,
      d.status,
      d.notifier,
      d.outcome === 'delivered' ? color.green(d.outcome) : color.red(d.outcome),
      String(d.attempts),
      d.error ?? '',
    ]),
    ['left', 'left', 'left', 'left', 'left', 'left', 'right', 'left'],
  );
}
