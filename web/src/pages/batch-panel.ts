/**
 * Batch mode on the playground: drop a CSV (or pick one) and it is scored
 * in a Web Worker with the playground's model — nothing is uploaded — with
 * a progress bar, a per-label summary (and accuracy when the file has a
 * `label` column), and the results to download as CSV or JSONL.
 * @module
 */
import { engineModule } from '../engine/wasm';
import { h, mount } from '../lib/dom';
import { WebError } from '../lib/errors';
import { bytes as fmtBytes, pct } from '../lib/format';
import { errorBox, table } from '../lib/ui';
import type { BatchMessage, BatchStart } from '../workers/batch-protocol';
import type { Loaded } from './playground-model';

export function batchPanel(current: () => Loaded | null): HTMLElement {
  const file = h('input', { id: 'batch-file', type: 'file', accept: '.csv,text/csv' });
  const column = h('input', {
    id: 'batch-column',
    placeholder: 'text',
    size: 10,
    'aria-label': 'text column',
  });
  const progress = h('progress', { id: 'batch-progress', max: 1, value: 0 });
  const out = h('div', { id: 'batch-out' });
  const drop = h(
    'div',
    { class: 'drop', id: 'batch-drop' },
    h('strong', null, 'Batch: drop a CSV file here'),
    ' or ',
    file,
    h(
      'div',
      { class: 'muted' },
      'Texts from the column ',
      column,
      ' (default: text, else the first column). Scored in a worker, in this browser.',
    ),
    progress,
    out,
  );
  let worker: Worker | null = null;
  const urls: string[] = [];

  const start = async (f: File) => {
    const l = current();
    if (l === null) {
      mount(out, errorBox(new WebError('WEB_OFFLINE_NO_MODEL', 'no model is loaded yet')));
      return;
    }
    worker?.terminate();
    for (const u of urls.splice(0)) URL.revokeObjectURL(u);
    progress.value = 0;
    delete drop.dataset.done;
    mount(out, h('p', null, `Reading ${f.name} (${fmtBytes(f.size)})…`));
    const w = new Worker(new URL('../workers/batch-worker.ts', import.meta.url), {
      type: 'module',
    });
    worker = w;
    w.onmessage = (ev: MessageEvent<BatchMessage>) => {
      const m = ev.data;
      if (m.type === 'columns') {
        mount(
          out,
          h(
            'p',
            null,
            `${m.rows} rows · texts from "${m.textColumn}"${m.labelColumn ? ` · labels from "${m.labelColumn}"` : ''} · ${l.name}@${l.version}`,
          ),
        );
      } else if (m.type === 'progress') {
        progress.max = Math.max(1, m.total);
        progress.value = m.done;
        progress.dataset.done = String(m.done);
      } else if (m.type === 'done') {
        const csv = URL.createObjectURL(m.csv);
        const jsonl = URL.createObjectURL(m.jsonl);
        urls.push(csv, jsonl);
        const base = f.name.replace(/\.csv$/i, '');
        drop.dataset.done = String(m.rows);
        mount(
          out,
          h(
            'p',
            { id: 'batch-done' },
            `Scored ${m.rows} rows in ${(m.ms / 1000).toFixed(2)} s (${Math.round(m.rows / Math.max(m.ms / 1000, 1e-3))} rows/s)`,
            m.accuracy !== null ? ` · accuracy against the label column ${pct(m.accuracy, 2)}` : '',
          ),
          table(
            ['label', 'rows'],
            m.classes.map((c) => [c, m.counts[c] ?? 0]),
          ),
          h(
            'a',
            {
              id: 'batch-download-csv',
              class: 'button',
              href: csv,
              download: `${base}.scored.csv`,
            },
            'Download CSV',
          ),
          ' ',
          h(
            'a',
            {
              id: 'batch-download-jsonl',
              class: 'button',
              href: jsonl,
              download: `${base}.scored.jsonl`,
            },
            'Download JSONL',
          ),
        );
        w.terminate();
      } else {
        mount(out, errorBox(new WebError(m.code, m.message)));
        w.terminate();
      }
    };
    try {
      const msg: BatchStart = {
        type: 'start',
        engine: await engineModule(),
        model: l.bytes,
        csv: await f.text(),
        textColumn: column.value.trim() === '' ? null : column.value.trim(),
      };
      w.postMessage(msg);
    } catch (e) {
      mount(out, errorBox(e));
    }
  };

  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f) void start(f);
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void start(f);
  });
  return drop;
}
