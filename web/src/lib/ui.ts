/**
 * Small shared widgets: error boxes (code + message, and the gate table when
 * the server refused a move), toasts, tables, probability bars, and a
 * debounced live refresher for pages that re-read their data on events.
 * @module
 */
import type { GateResult } from '../api/types';
import { h } from './dom';
import { asWebError } from './errors';
import { sig } from './format';

export function errorBox(e: unknown, hint?: string): HTMLElement {
  const err = asWebError(e);
  const gates = (err.details?.gates as GateResult[] | undefined) ?? null;
  return h(
    'div',
    { class: 'error', role: 'alert', 'data-code': err.code },
    h('strong', null, err.status !== null ? `${err.status} ${err.code}` : err.code),
    ': ',
    err.message,
    hint ? h('div', { class: 'hint' }, hint) : null,
    gates !== null && gates.length > 0 ? gateTable(gates) : null,
  );
}

export function gateTable(gates: readonly GateResult[]): HTMLTableElement {
  return table(
    ['gate', 'source', 'value', 'required', 'baseline', 'result'],
    gates.map((g) => [
      h('span', { title: g.message }, g.name),
      g.source ?? '–',
      sig(g.value),
      sig(g.required),
      sig(g.baseline),
      h(
        'span',
        { class: g.passed ? 'ok' : g.blocking ? 'bad' : 'warn' },
        g.passed
          ? g.blocking
            ? 'pass'
            : 'pass (report only)'
          : g.blocking
            ? 'FAIL'
            : 'fail (report only)',
      ),
    ]),
    'gates',
  );
}

type Cell = Node | string | number | null;

export function table(head: string[], rows: Cell[][], cls = ''): HTMLTableElement {
  return h(
    'table',
    { class: cls },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        head.map((c) => h('th', null, c)),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((r) =>
        h(
          'tr',
          null,
          r.map((c) => h('td', typeof c === 'number' ? { class: 'num' } : null, c ?? '–')),
        ),
      ),
    ),
  );
}

export function probBars(
  classes: readonly string[],
  probs: ArrayLike<number>,
  winner: string,
): HTMLElement {
  return h(
    'div',
    { class: 'probs' },
    classes.map((c, i) => {
      const p = probs[i] ?? 0;
      const fill = h('span', { class: `fill${c === winner ? ' win' : ''}` });
      fill.style.width = `${(p * 100).toFixed(2)}%`;
      return h(
        'div',
        { class: 'prob', 'data-class': c },
        h('span', { class: 'cls' }, c),
        h('span', { class: 'bar' }, fill),
        h('span', { class: 'p num', 'data-p': String(p) }, p.toFixed(4)),
      );
    }),
  );
}

export function toast(text: string, kind: 'info' | 'good' | 'bad' = 'info'): void {
  const host = document.getElementById('toasts');
  if (host === null) return;
  const t = h('div', { class: `toast ${kind}` }, text);
  host.appendChild(t);
  setTimeout(() => t.remove(), 6000);
}

/** Call `fn` at most once per `ms`, after the last trigger (live refreshes). */
export function debounce(fn: () => void, ms = 200): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

export function loading(): HTMLElement {
  return h('p', { class: 'muted' }, 'Loading…');
}
