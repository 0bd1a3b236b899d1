/**
 * Batch mode, off the page's thread: parse the dropped CSV, score its texts
 * with the WASM engine in chunks (posting progress after each), and build
 * the results as CSV and JSONL blobs: every input row's text, the predicted
 * label and one probability column per class (full precision), plus the
 * true label when the file has a `label` column.
 * @module
 */
import { initSync, Model } from '@sentio/wasm';
import { csvLine, parseCsv } from '../lib/csv';
import type { BatchMessage, BatchStart } from './batch-protocol';

const CHUNK = 500;
const post = (m: BatchMessage) => (self as unknown as Worker).postMessage(m);

function columnsOf(header: string[], wanted: string | null): { text: number; label: number } {
  const lower = header.map((h) => h.trim().toLowerCase());
  const text = wanted !== null ? header.indexOf(wanted) : lower.indexOf('text');
  return { text: text >= 0 ? text : wanted !== null ? -1 : 0, label: lower.indexOf('label') };
}

function run(msg: BatchStart): void {
  const t0 = performance.now();
  initSync({ module: msg.engine });
  const model = Model.fromBytes(msg.model);
  const rows = parseCsv(msg.csv);
  const header = rows.shift() ?? [];
  const col = columnsOf(header, msg.textColumn);
  if (col.text < 0) {
    post({
      type: 'error',
      code: 'WEB_NO_TEXT_COLUMN',
      message: `no column "${msg.textColumn}" (columns: ${header.join(', ')})`,
    });
    return;
  }
  post({
    type: 'columns',
    columns: header,
    textColumn: header[col.text] ?? '',
    labelColumn: col.label >= 0 ? (header[col.label] ?? null) : null,
    rows: rows.length,
  });
  const classes = model.classes;
  const csv: string[] = [
    csvLine([
      'row',
      'text',
      ...(col.label >= 0 ? ['label'] : []),
      'predicted',
      ...classes.map((c) => `p_${c}`),
    ]),
  ];
  const jsonl: string[] = [];
  const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  let correct = 0;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const texts = chunk.map((r) => r[col.text] ?? '');
    const b = model.predictBatch(texts);
    for (let i = 0; i < chunk.length; i++) {
      const label = classes[b.labels[i] as number] as string;
      counts[label] = (counts[label] ?? 0) + 1;
      const probs = classes.map((_, c) => b.probabilities[i * b.nClasses + c] as number);
      const truth =
        col.label >= 0 ? ((chunk[i] as string[])[col.label] ?? '').trim().toLowerCase() : null;
      if (truth !== null && truth === label) correct++;
      const row = start + i + 1;
      csv.push(
        csvLine([row, texts[i] as string, ...(truth !== null ? [truth] : []), label, ...probs]),
      );
      jsonl.push(
        `${JSON.stringify({
          row,
          text: texts[i],
          ...(truth !== null ? { truth } : {}),
          label,
          probabilities: Object.fromEntries(classes.map((c, k) => [c, probs[k]])),
        })}\n`,
      );
    }
    post({ type: 'progress', done: Math.min(rows.length, start + CHUNK), total: rows.length });
  }
  model.free();
  post({
    type: 'done',
    rows: rows.length,
    ms: performance.now() - t0,
    classes,
    counts,
    accuracy: col.label >= 0 && rows.length > 0 ? correct / rows.length : null,
    csv: new Blob(csv, { type: 'text/csv' }),
    jsonl: new Blob(jsonl, { type: 'application/x-ndjson' }),
  });
}

self.onmessage = (ev: MessageEvent<BatchStart>) => {
  try {
    run(ev.data);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'WEB_ENGINE';
    post({ type: 'error', code, message: (e as Error).message });
  }
};
