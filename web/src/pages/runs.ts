/**
 * Experiment runs (`#/runs`): the runs with their status and headline
 * metrics; tick some and compare them (`#/runs/compare/{id,id,…}`): params
 * and metrics side by side, rows that differ marked, as `sentio runs
 * compare` prints them. The list follows new runs live.
 * @module
 */

import { onLive } from '../api/events';
import { api, enc } from '../api/http';
import type { RunRecord } from '../api/types';
import { h, mount } from '../lib/dom';
import { num, when } from '../lib/format';
import { debounce, errorBox, loading, table } from '../lib/ui';
import type { Page } from './page';

const show = (x: unknown) =>
  x === undefined || x === null
    ? '–'
    : typeof x === 'number'
      ? String(Number(x.toPrecision(6)))
      : typeof x === 'string'
        ? x
        : JSON.stringify(x);

export const runsPage: Page = (root) => {
  const body = h('div', null, loading());
  mount(root, h('h1', null, 'Runs'), body);
  const picked = new Set<string>();
  const refresh = async () => {
    try {
      const r = await api<{ runs: RunRecord[] }>('/v1/dashboard/runs?limit=200');
      const go = h(
        'button',
        {
          id: 'compare-btn',
          onclick: () => (location.hash = `#/runs/compare/${[...picked].join(',')}`),
        },
        'Compare selected',
      );
      mount(
        body,
        h('p', null, go),
        table(
          ['', 'run', 'experiment', 'status', 'model', 'accuracy', 'macro F1', 'started'],
          r.runs.map((x) => {
            const box = h('input', {
              type: 'checkbox',
              'data-run': x.id,
              checked: picked.has(x.id),
            });
            box.addEventListener('change', () =>
              box.checked ? picked.add(x.id) : picked.delete(x.id),
            );
            return [
              box,
              h('a', { href: `#/runs/compare/${x.id}` }, x.id),
              x.experiment,
              x.status,
              x.model ? `${x.model}@${x.version}` : '–',
              num(x.metrics.accuracy),
              num(x.metrics.macro_f1),
              when(x.startedAt),
            ];
          }),
          'runs',
        ),
      );
    } catch (e) {
      mount(body, errorBox(e));
    }
  };
  void refresh();
  const soon = debounce(() => void refresh(), 300);
  return onLive((e) => {
    if (e.type === 'registry') soon();
  });
};

interface Compared {
  runs: RunRecord[];
  params: Array<{ key: string; differs: boolean }>;
  metrics: Array<{ key: string; differs: boolean }>;
}

export const runsComparePage: Page = (root, params) => {
  const ids = params.ids ?? '';
  const body = h('div', null, loading());
  mount(root, h('h1', null, h('a', { href: '#/runs' }, 'Runs'), ' / compare'), body);
  void (async () => {
    try {
      const c = await api<Compared>(`/v1/dashboard/runs/compare?ids=${enc(ids)}`);
      const head = [
        '',
        ...c.runs.map((r) => `${r.id.slice(0, 8)}${r.model ? ` (${r.model}@${r.version})` : ''}`),
      ];
      const rows = (list: Compared['params'], pick: (r: RunRecord) => Record<string, unknown>) =>
        list.map((k) => {
          const cells = [
            h('span', { class: k.differs ? 'differs' : '' }, k.key),
            ...c.runs.map((r) => show(pick(r)[k.key])),
          ];
          return cells;
        });
      mount(
        body,
        h('h2', null, 'Params'),
        table(
          head,
          rows(c.params, (r) => r.params),
          'compare',
        ),
        h('h2', null, 'Metrics'),
        table(
          head,
          rows(c.metrics, (r) => r.metrics),
          'compare',
        ),
        h('p', { class: 'muted' }, 'Rows in bold differ between the runs.'),
      );
    } catch (e) {
      mount(body, errorBox(e));
    }
  })();
  return undefined;
};
