/**
 * One version (`#/models/{name}/v/{n}`): metrics, the per-class report, the
 * confusion matrix as a heat map, the model card, tags, the run that made
 * it and its resolved configuration.
 * @module
 */
import { api, enc } from '../api/http';
import type { VersionView } from '../api/types';
import { confusionHeatmap } from '../charts/heatmap';
import { h, mount } from '../lib/dom';
import { num, when } from '../lib/format';
import { renderMarkdown } from '../lib/markdown';
import { errorBox, loading, table } from '../lib/ui';
import { tags } from './models';
import type { Page } from './page';

export const versionPage: Page = (root, params) => {
  const name = params.name ?? '';
  const n = params.version ?? '';
  const body = h('div', null, loading());
  mount(
    root,
    h(
      'h1',
      null,
      h('a', { href: '#/models' }, 'Models'),
      ' / ',
      h('a', { href: `#/models/${enc(name)}` }, name),
      ` / v${n}`,
    ),
    body,
  );
  void (async () => {
    try {
      const view = await api<VersionView>(`/v1/dashboard/models/${enc(name)}/versions/${enc(n)}`);
      const v = view.version;
      const per = view.report?.per_class ?? [];
      const m = v.metrics;
      mount(
        body,
        h(
          'p',
          null,
          `Registered ${when(v.createdAt)} · sha256 `,
          h('code', null, v.modelSha256.slice(0, 16)),
          '… · ',
          v.aliases.length ? `serves ${v.aliases.join(', ')}` : 'no environment',
          ' · ',
          tags(v.tags),
        ),
        v.description ? h('p', null, v.description) : null,
        h(
          'div',
          { class: 'cards' },
          [
            ['accuracy', m.accuracy],
            ['macro F1', m.macro_f1],
            ['weighted F1', m.weighted_f1],
            ['log loss', m.log_loss],
          ].map(([k, x]) =>
            h(
              'div',
              { class: 'card' },
              h('div', { class: 'muted' }, String(k)),
              h('div', { class: 'big' }, num(x as number | undefined)),
            ),
          ),
        ),
        h(
          'div',
          { class: 'two' },
          h(
            'section',
            null,
            h('h2', null, 'Confusion matrix'),
            view.confusion
              ? confusionHeatmap(view.confusion.labels, view.confusion.matrix)
              : h('p', { class: 'muted' }, 'none stored'),
          ),
          h(
            'section',
            null,
            h('h2', null, 'Per class'),
            table(
              ['class', 'precision', 'recall', 'F1', 'support'],
              per.map((r) => [
                r.label ?? '',
                num(r.precision),
                num(r.recall),
                num(r.f1),
                r.support,
              ]),
            ),
          ),
        ),
        h('h2', null, 'Model card'),
        view.card ? renderMarkdown(view.card) : h('p', { class: 'muted' }, 'no model card stored'),
        view.run
          ? h(
              'p',
              null,
              'Run ',
              h('a', { href: `#/runs/compare/${view.run.id}` }, view.run.id),
              ` · experiment ${view.run.experiment} · ${view.run.status}`,
            )
          : null,
        h(
          'details',
          null,
          h('summary', null, 'Configuration'),
          h('pre', null, JSON.stringify(v.config, null, 2)),
        ),
      );
    } catch (e) {
      mount(body, errorBox(e));
    }
  })();
  return undefined;
};
