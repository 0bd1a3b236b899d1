/**
 * Dashboard home (`#/models`): every registered model with its versions,
 * environments (what each serves), latest metrics and tags, and the active
 * canaries and shadows. Re-read live when the registry changes.
 * @module
 */

import { onLive } from '../api/events';
import { api } from '../api/http';
import type { ModelRecord, RolloutRecord, ServedRef } from '../api/types';
import { h, mount } from '../lib/dom';
import { num, when } from '../lib/format';
import { debounce, errorBox, loading, table } from '../lib/ui';
import type { Page } from './page';

interface Overview {
  models: ModelRecord[];
  rollouts: RolloutRecord[];
  served: ServedRef[];
  environments: Array<{ name: string }>;
}

export function tags(t: Record<string, string>): HTMLElement {
  return h(
    'span',
    { class: 'tags' },
    Object.entries(t).map(([k, v]) => h('span', { class: 'tag' }, `${k}=${v}`)),
  );
}

export const modelsPage: Page = (root) => {
  const body = h('div', null, loading());
  mount(root, h('h1', null, 'Models'), body);
  const refresh = async () => {
    try {
      const o = await api<Overview>('/v1/dashboard/overview');
      mount(
        body,
        table(
          [
            'model',
            'versions',
            'latest',
            'environments',
            'accuracy',
            'macro F1',
            'tags',
            'created',
          ],
          o.models.map((m) => [
            h('a', { href: `#/models/${encodeURIComponent(m.name)}` }, m.name),
            m.versions,
            m.latestVersion !== null ? `v${m.latestVersion}` : '–',
            h(
              'span',
              { class: 'envs' },
              Object.entries(m.aliases).map(([a, v]) =>
                h('span', { class: `env env-${a}` }, `${a} → v${v}`),
              ),
            ),
            num(m.latestMetrics?.accuracy),
            num(m.latestMetrics?.macro_f1),
            tags(m.tags),
            when(m.createdAt),
          ]),
          'models',
        ),
        h('h2', null, 'Served by this server'),
        table(
          ['reference', 'version', 'status', 'canary', 'shadow'],
          o.served.map((s) => [
            s.ref,
            s.version !== null ? `v${s.version}` : '–',
            s.status,
            s.canary ? `v${s.canary.version} (${s.canary.percent}%)` : '–',
            s.shadow ? `v${s.shadow.version}` : '–',
          ]),
        ),
        h('h2', null, 'Active canaries and shadows'),
        o.rollouts.length === 0
          ? h('p', { class: 'muted' }, 'none')
          : table(
              ['model', 'environment', 'kind', 'candidate', 'percent', 'since', 'by'],
              o.rollouts.map((r) => [
                r.model,
                r.env,
                r.kind,
                `v${r.version}`,
                `${r.percent}%`,
                when(r.startedAt),
                r.startedBy,
              ]),
            ),
      );
    } catch (e) {
      mount(body, errorBox(e));
    }
  };
  void refresh();
  const soon = debounce(() => void refresh(), 150);
  return onLive((e) => {
    if (e.type !== 'hello' && e.type !== 'alert') soon();
  });
};
