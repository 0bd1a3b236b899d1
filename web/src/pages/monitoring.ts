/**
 * Monitoring (`#/monitoring/{model}`): over a time window, prediction volume,
 * latency percentiles, drift signals against the version's reference profile
 * (each with its threshold) and live accuracy from feedback labels next to
 * the label-free estimate; current and past alerts; canary and shadow status
 * per arm. Re-read every 5 s and on live events.
 * @module
 */

import { onLive } from '../api/events';
import { api, enc } from '../api/http';
import type { ArmReport, ModelRecord, MonitoringView, RolloutReport } from '../api/types';
import { lineChart } from '../charts/line-chart';
import { h, mount } from '../lib/dom';
import { num, pct, sig, when } from '../lib/format';
import { debounce, errorBox, loading, table } from '../lib/ui';
import type { Page } from './page';

const WINDOWS = ['15m', '1h', '6h', '24h', '7d'];

const ms = (x: number | string | null) =>
  x === null ? '–' : typeof x === 'string' ? x : `${sig(x)} ms`;

function armRow(name: string, a: ArmReport): Array<string | number> {
  return [
    name,
    a.version !== null ? `v${a.version}` : '–',
    a.requests,
    pct(a.errorRate, 2),
    ms(a.p50Ms),
    ms(a.p95Ms),
    ms(a.p99Ms),
    a.labelled > 0 ? pct(a.accuracy, 2) : 'n/a',
  ];
}

function rolloutBox(r: RolloutReport): HTMLElement {
  return h(
    'div',
    { class: `card rollout ${r.state}`, 'data-kind': r.kind },
    h(
      'h3',
      null,
      `${r.kind} v${r.rollout.version} on ${r.rollout.env} · ${r.state}${r.kind === 'canary' ? ` · ${r.rollout.percent}%` : ''}`,
    ),
    table(
      ['arm', 'version', 'requests', 'errors', 'p50', 'p95', 'p99', 'accuracy'],
      [armRow('stable', r.arms.stable), armRow('candidate', r.arms.candidate)],
    ),
    h(
      'p',
      null,
      `Agreement ${pct(r.agreement.rate, 2)} of ${r.agreement.compared} compared${r.agreement.dropped ? ` (${r.agreement.dropped} dropped)` : ''}`,
      r.breach
        ? h(
            'span',
            { class: 'bad' },
            ` · breach: ${r.breach.metric} ${sig(r.breach.value)} > ${sig(r.breach.limit)}`,
          )
        : null,
    ),
  );
}

function render(view: MonitoringView): HTMLElement[] {
  const t = view.traffic;
  const out: HTMLElement[] = [];
  if (t === null || view.trafficReason !== null)
    out.push(h('p', { class: 'muted', id: 'traffic-reason' }, view.trafficReason ?? 'no traffic'));
  if (t !== null) {
    out.push(
      h(
        'div',
        { class: 'charts' },
        lineChart({
          id: 'chart-volume',
          title: 'Predictions per slice',
          time: true,
          x: t.at,
          series: [{ label: 'predictions', values: t.volume }],
        }),
        lineChart({
          id: 'chart-latency',
          title: 'Latency percentiles (ms)',
          time: true,
          x: t.at,
          series: [
            { label: 'p50', values: t.p50 },
            { label: 'p95', values: t.p95 },
            { label: 'p99', values: t.p99 },
          ],
        }),
        lineChart({
          id: 'chart-accuracy',
          title: 'Live accuracy (feedback labels) and expected accuracy',
          time: true,
          x: t.at,
          series: [
            { label: 'accuracy', values: t.accuracy },
            { label: 'expected', values: t.expectedAccuracy, dash: true },
          ],
        }),
      ),
    );
  }
  out.push(h('h2', null, 'Drift'));
  if (view.drift === null)
    out.push(h('p', { class: 'muted' }, view.driftReason ?? 'no drift report'));
  else {
    const d = view.drift;
    out.push(
      h(
        'p',
        null,
        `Version v${d.version} against its reference profile: `,
        h('strong', { class: d.drift ? 'bad' : 'ok' }, d.drift ? 'drift' : 'no drift'),
      ),
      table(
        ['signal', 'value', 'threshold', 'verdict', 'n'],
        d.signals.map((s) => [
          s.name,
          sig(s.value),
          `${s.direction === 'below' ? '<' : '>'} ${sig(s.threshold)}`,
          h(
            'span',
            { class: s.verdict === 'drift' ? 'bad' : 'ok', title: s.reason ?? '' },
            s.verdict,
          ),
          s.n,
        ]),
        'signals',
      ),
      h(
        'div',
        { class: 'charts small' },
        d.signals.map((s) => {
          const pts = d.series[s.name] ?? [];
          return lineChart({
            title: s.name,
            time: true,
            height: 140,
            x: pts.map((p) => p.at),
            series: [{ label: s.name, values: pts.map((p) => p.value) }],
            threshold: s.threshold,
          });
        }),
      ),
    );
  }
  out.push(
    h('h2', null, 'Alerts'),
    view.alerts.length === 0
      ? h('p', { class: 'muted', id: 'alerts' }, 'no alerts')
      : table(
          ['state', 'severity', 'rule', 'summary', 'value', 'threshold', 'since'],
          view.alerts.map((a) => [
            h(
              'span',
              { class: a.state === 'firing' ? 'bad' : a.state === 'pending' ? 'warn' : 'ok' },
              a.state,
            ),
            a.severity,
            a.rule,
            a.summary,
            sig(a.value),
            sig(a.threshold),
            when(a.firedAt ?? a.updatedAt),
          ]),
          'alerts',
        ),
    view.alertHistory.length === 0
      ? h('span')
      : h(
          'details',
          null,
          h('summary', null, `Alert history (${view.alertHistory.length})`),
          table(
            ['when', 'rule', 'change', 'summary'],
            [...view.alertHistory]
              .reverse()
              .map((e) => [when(e.at), e.rule, `${e.from} → ${e.to}`, e.summary]),
          ),
        ),
    h('h2', null, 'Canary and shadow'),
    view.rollouts.length === 0
      ? h('p', { class: 'muted' }, 'no canary or shadow has run')
      : h('div', { class: 'rollouts', id: 'rollouts' }, view.rollouts.map(rolloutBox)),
  );
  return out;
}

export const monitoringPage: Page = async (root, params) => {
  const body = h('div', null, loading());
  const pick = h('select', { id: 'mon-model' });
  const win = h(
    'select',
    { id: 'mon-window' },
    WINDOWS.map((w) => h('option', { value: w }, `last ${w}`)),
  );
  win.value = params.window ?? '1h';
  mount(
    root,
    h('h1', null, 'Monitoring'),
    h('div', { class: 'row' }, h('label', null, 'Model ', pick), h('label', null, 'Window ', win)),
    body,
  );
  let models: ModelRecord[] = [];
  try {
    models = (await api<{ models: ModelRecord[] }>('/v1/dashboard/overview')).models;
  } catch (e) {
    mount(body, errorBox(e));
    return undefined;
  }
  mount(
    pick,
    models.map((m) => h('option', { value: m.name }, m.name)),
  );
  if (params.model) pick.value = params.model;
  let busy = false;
  const refresh = async () => {
    if (busy || !pick.value) return;
    busy = true;
    try {
      const view = await api<MonitoringView>(
        `/v1/dashboard/models/${enc(pick.value)}/monitoring?window=${enc(win.value)}&points=60`,
      );
      const total = view.versions.reduce((a, v) => a + v.predictions, 0);
      mount(
        body,
        h(
          'p',
          { class: 'muted', id: 'mon-total', 'data-total': total },
          `${num(total, 0)} prediction${total === 1 ? '' : 's'} ${when(view.window.from)} – ${when(view.window.to)}`,
        ),
        ...render(view),
      );
    } catch (e) {
      mount(body, errorBox(e));
    } finally {
      busy = false;
    }
  };
  const go = () => {
    location.hash = `#/monitoring/${enc(pick.value)}?window=${enc(win.value)}`;
  };
  pick.addEventListener('change', go);
  win.addEventListener('change', go);
  void refresh();
  const timer = setInterval(() => void refresh(), 5000);
  const soon = debounce(() => void refresh(), 300);
  const off = onLive((e) => {
    if (e.type === 'alert' || e.type === 'rollout' || e.type === 'served') soon();
  });
  return () => {
    clearInterval(timer);
    off();
  };
};
