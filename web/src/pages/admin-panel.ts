/**
 * Admin actions on the model page: deploy, promote, rollback and canary
 * start / stop / promote. Each calls the server's admin route
 * (`POST /v1/admin/models/{name}/…`, the same ts/deploy code as the CLI)
 * with the admin token from Settings (sessionStorage). The answer is shown
 * as the CLI shows it: the move and its gate table, or the error code and
 * message — and for a refused promotion every gate result, nothing changed.
 * Without a token the server answers 401 and the panel says so.
 * @module
 */
import { api, enc } from '../api/http';
import type { EnvironmentView, GateResult, VersionRecord } from '../api/types';
import { h, mount } from '../lib/dom';
import { settings } from '../lib/settings';
import { errorBox, gateTable } from '../lib/ui';

interface MoveResult {
  model: string;
  env: string;
  fromVersion: number | null;
  toVersion: number;
  forced: boolean;
  gates: GateResult[];
}

const v = (n: number | null | undefined) => (n === null || n === undefined ? 'unset' : `v${n}`);

export interface AdminPanel {
  el: HTMLElement;
  /** New versions or environment moves: refresh the choices, keep what is selected and the last result. */
  update(versions: readonly VersionRecord[], envs: readonly EnvironmentView[]): void;
}

export function adminPanel(model: string): AdminPanel {
  const out = h('div', { id: 'admin-result', 'aria-live': 'polite' });
  const reason = h('input', {
    id: 'admin-reason',
    placeholder: 'reason (kept in the history)',
    size: 30,
  });
  const force = h('input', { id: 'admin-force', type: 'checkbox' });

  const call = async (action: string, path: string, body: Record<string, unknown>) => {
    mount(out, h('p', { class: 'muted' }, `${action}…`));
    const why = reason.value.trim();
    try {
      const r = await api<MoveResult & { kind?: string; version?: number; state?: string }>(
        `/v1/admin/models/${enc(model)}/${path}`,
        { method: 'POST', admin: true, body: { ...body, ...(why ? { reason: why } : {}) } },
      );
      const moved = r.toVersion !== undefined;
      mount(
        out,
        h(
          'div',
          { class: 'success', 'data-action': action },
          moved
            ? `${action}: ${r.model} ${r.env} ${v(r.fromVersion)} → ${v(r.toVersion)}${r.forced ? ' — FORCED past failing gates' : ''}`
            : `${action}: ${r.kind ?? ''} v${r.version ?? ''} on ${(body.env as string) ?? 'production'} is ${r.state ?? 'done'}`,
        ),
        moved && r.gates.length > 0 ? gateTable(r.gates) : null,
      );
    } catch (e) {
      const hint =
        settings.adminToken === ''
          ? 'Admin actions need the admin token: enter it under Settings. Nothing was changed.'
          : 'Nothing was changed.';
      mount(out, errorBox(e, hint));
    }
  };

  const deployVersion = h('select', { id: 'deploy-version' });
  const deployEnv = h('select', { id: 'deploy-env' });
  const promoteFrom = h('select', { id: 'promote-from' });
  const promoteTo = h('select', { id: 'promote-to' });
  const rollbackEnv = h('select', { id: 'rollback-env' });
  const canaryVersion = h('select', { id: 'canary-version' });
  const canaryEnv = h('select', { id: 'canary-env' });
  const defaults = new Map<HTMLSelectElement, string>([
    [deployEnv, 'staging'],
    [promoteFrom, 'staging'],
    [promoteTo, 'production'],
    [rollbackEnv, 'production'],
    [canaryEnv, 'production'],
  ]);
  const fill = (sel: HTMLSelectElement, options: HTMLOptionElement[]) => {
    const keep = sel.value || defaults.get(sel) || '';
    mount(sel, options);
    if (options.some((o) => o.value === keep)) sel.value = keep;
  };
  const update = (versions: readonly VersionRecord[], envs: readonly EnvironmentView[]) => {
    const vs = [...versions].sort((a, b) => b.version - a.version);
    for (const sel of [deployVersion, canaryVersion]) {
      fill(
        sel,
        vs.map((x) => h('option', { value: String(x.version) }, `v${x.version}`)),
      );
    }
    for (const sel of [deployEnv, promoteFrom, promoteTo, rollbackEnv, canaryEnv]) {
      fill(
        sel,
        envs.map((e) => h('option', { value: e.name }, `${e.name} (${v(e.version)})`)),
      );
    }
  };
  const percent = h('input', {
    id: 'canary-percent',
    type: 'number',
    min: 1,
    max: 100,
    value: 10,
    size: 4,
  });
  const gated = () => (force.checked ? { force: true } : {});

  const el = h(
    'section',
    { class: 'admin', id: 'admin' },
    h('h2', null, 'Admin actions'),
    h(
      'p',
      { class: 'muted' },
      'Through the server’s admin API with the admin token from Settings; the same gates as the CLI.',
    ),
    h('div', { class: 'row' }, reason, h('label', null, force, ' force past failing gates')),
    h(
      'div',
      { class: 'row' },
      'Deploy ',
      deployVersion,
      ' to ',
      deployEnv,
      h(
        'button',
        {
          id: 'deploy-btn',
          onclick: () =>
            void call('deploy', 'deploy', {
              version: Number(deployVersion.value),
              env: deployEnv.value,
              ...gated(),
            }),
        },
        'Deploy',
      ),
    ),
    h(
      'div',
      { class: 'row' },
      'Promote ',
      promoteFrom,
      ' → ',
      promoteTo,
      h(
        'button',
        {
          id: 'promote-btn',
          onclick: () =>
            void call('promote', 'promote', {
              from: promoteFrom.value,
              to: promoteTo.value,
              ...gated(),
            }),
        },
        'Promote',
      ),
    ),
    h(
      'div',
      { class: 'row' },
      'Roll back ',
      rollbackEnv,
      h(
        'button',
        {
          id: 'rollback-btn',
          onclick: () => void call('rollback', 'rollback', { env: rollbackEnv.value }),
        },
        'Roll back',
      ),
    ),
    h(
      'div',
      { class: 'row' },
      'Canary ',
      canaryVersion,
      ' on ',
      canaryEnv,
      ' at ',
      percent,
      '% ',
      h(
        'button',
        {
          id: 'canary-start-btn',
          onclick: () =>
            void call('canary start', 'canary', {
              version: Number(canaryVersion.value),
              env: canaryEnv.value,
              percent: Number(percent.value),
            }),
        },
        'Start',
      ),
      h(
        'button',
        {
          id: 'canary-stop-btn',
          onclick: () => void call('canary stop', 'canary/stop', { env: canaryEnv.value }),
        },
        'Stop',
      ),
      h(
        'button',
        {
          id: 'canary-promote-btn',
          onclick: () =>
            void call('canary promote', 'canary/promote', { env: canaryEnv.value, ...gated() }),
        },
        'Promote canary',
      ),
    ),
    out,
  );
  return { el, update };
}
