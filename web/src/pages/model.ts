/**
 * One model (`#/models/{name}`): its environments and what each serves
 * (with active canary/shadow), every version with its metrics and tags,
 * the training metrics across versions as charts, the alias history with
 * gate results, and the admin actions. Updates live: a new version, an
 * environment move or a rollout change re-reads the page's data.
 * @module
 */

import { onLive } from '../api/events';
import { api, enc } from '../api/http';
import type { HistoryEntry, ModelView } from '../api/types';
import { lineChart } from '../charts/line-chart';
import { h, mount } from '../lib/dom';
import { ago, num, when } from '../lib/format';
import { debounce, errorBox, gateTable, loading, table, toast } from '../lib/ui';
import { adminPanel } from './admin-panel';
import { tags } from './models';
import type { Page } from './page';

const v = (n: number | null) => (n === null ? 'unset' : `v${n}`);

function historyTable(entries: readonly HistoryEntry[]): HTMLElement {
  const rows = [...entries].reverse();
  return h(
    'table',
    { class: 'history', id: 'history' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['when', 'environment', 'action', 'version', 'who', 'reason', 'gates'].map((c) =>
          h('th', null, c),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((e) =>
        h(
          'tr',
          { 'data-action': e.action, 'data-env': e.env },
          h('td', { title: e.at }, when(e.at)),
          h('td', null, e.env),
          h('td', null, e.action, e.forced ? h('span', { class: 'tag warn' }, 'forced') : null),
          h(
            'td',
            null,
            e.type === 'move'
              ? `${v(e.fromVersion)} → ${v(e.toVersion)}`
              : e.version !== null
                ? `v${e.version}`
                : '–',
          ),
          h('td', null, e.who),
          h('td', null, e.reason ?? ''),
          h(
            'td',
            null,
            e.gates.length === 0
              ? '–'
              : h(
                  'details',
                  null,
                  h(
                    'summary',
                    null,
                    `${e.gates.filter((g) => g.passed).length}/${e.gates.length} passed`,
                  ),
                  gateTable(e.gates),
                ),
          ),
        ),
      ),
    ),
  );
}

function metricCharts(view: ModelView): HTMLElement {
  const vs = [...view.versions].sort((a, b) => a.version - b.version);
  const x = vs.map((x) => x.version);
  const pick = (k: string) =>
    vs.map((x) => (typeof x.metrics[k] === 'number' ? (x.metrics[k] as number) : null));
  return h(
    'div',
    { class: 'charts' },
    lineChart({
      id: 'chart-metrics',
      title: 'Training metrics across versions',
      x,
      series: [
        { label: 'accuracy', values: pick('accuracy') },
        { label: 'macro F1', values: pick('macro_f1') },
        { label: 'weighted F1', values: pick('weighted_f1') },
      ],
    }),
    lineChart({
      id: 'chart-logloss',
      title: 'Log loss across versions',
      x,
      series: [{ label: 'log loss', values: pick('log_loss') }],
    }),
  );
}

export const modelPage: Page = (root, params) => {
  const name = params.name ?? '';
  const body = h('div', null, loading());
  mount(root, h('h1', null, h('a', { href: '#/models' }, 'Models'), ' / ', name), body);
  const admin = adminPanel(name);
  let known = new Set<number>();
  let fresh = new Set<number>();
  const refresh = async () => {
    try {
      const view = await api<ModelView>(`/v1/dashboard/models/${enc(name)}`);
      const now = new Set(view.versions.map((x) => x.version));
      fresh = known.size > 0 ? new Set([...now].filter((x) => !known.has(x))) : new Set();
      known = now;
      const active = view.rollouts.filter((r) => r.state === 'active');
      mount(
        body,
        view.model.description ? h('p', null, view.model.description) : null,
        tags(view.model.tags),
        h('h2', null, 'Environments'),
        h(
          'div',
          { class: 'cards', id: 'environments' },
          view.environments.map((e) =>
            h(
              'div',
              { class: 'card env', 'data-env': e.name, 'data-version': e.version ?? '' },
              h('div', { class: 'muted' }, e.name),
              h('div', { class: 'big' }, v(e.version)),
              h(
                'div',
                { class: 'muted small' },
                e.since ? `since ${ago(e.since)} by ${e.by}` : 'never set',
              ),
              active
                .filter((r) => r.env === e.name)
                .map((r) =>
                  h('div', { class: `tag ${r.kind}` }, `${r.kind} v${r.version} · ${r.percent}%`),
                ),
            ),
          ),
        ),
        h('h2', null, 'Versions'),
        table(
          ['version', 'created', 'accuracy', 'macro F1', 'log loss', 'environments', 'tags', 'run'],
          [...view.versions]
            .sort((a, b) => b.version - a.version)
            .map((x) => [
              h(
                'a',
                {
                  href: `#/models/${enc(name)}/v/${x.version}`,
                  class: fresh.has(x.version) ? 'new' : '',
                },
                `v${x.version}`,
              ),
              when(x.createdAt),
              num(x.metrics.accuracy),
              num(x.metrics.macro_f1),
              num(x.metrics.log_loss),
              x.aliases.join(', ') || '–',
              tags(x.tags),
              x.runId ? h('a', { href: `#/runs/compare/${x.runId}` }, x.runId.slice(0, 8)) : '–',
            ]),
          'versions',
        ),
        metricCharts(view),
        admin.el,
        h('h2', null, 'History'),
        historyTable(view.history),
      );
      admin.update(view.versions, view.environments);
      body.querySelector('table.versions')?.setAttribute('id', 'versions');
    } catch (e) {
      mount(body, errorBox(e));
    }
  };
  void refresh();
  const soon = debounce(() => void refresh(), 150);
  return onLive((e) => {
    if (e.data.model !== undefined && e.data.model !== name) return;
    if (e.type === 'version') toast(`New version ${name} v${String(e.data.version)}`, 'good');
    if (e.type === 'environment')
      toast(
        `${name} ${String(e.data.env)}: ${v(e.data.from as number | null)} → ${v(e.data.to as number | null)}`,
        'good',
      );
    if (e.type === 'rollout')
      toast(
        `${name} ${String(e.data.kind)} v${String(e.data.version)} on ${String(e.data.env)}: ${String(e.data.state)}`,
      );
    if (['version', 'environment', 'rollout', 'registry'].includes(e.type)) soon();
  });
};
