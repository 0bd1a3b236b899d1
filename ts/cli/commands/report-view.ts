/**
 * Human rendering of an evaluation, shared by `sentio train`, `eval` and
 * `demo`: the classification report (per class precision / recall / F1 /
 * support, macro and weighted averages), accuracy and log loss, and the
 * confusion matrix with its diagonal (correct predictions) in colour.
 * @module
 */
import type { MetricsReport } from '../../engine/index.js';
import { color, num, table } from '../output.js';

export function classificationReport(r: MetricsReport): string {
  const rows = r.per_class.map((c) => [
    c.label,
    num(c.precision, 4),
    num(c.recall, 4),
    num(c.f1, 4),
    String(c.support),
  ]);
  rows.push(['', '', '', '', '']);
  for (const [name, avg] of [
    ['macro avg', r.macro_avg],
    ['weighted avg', r.weighted_avg],
  ] as const) {
    rows.push([
      color.dim(name),
      num(avg.precision, 4),
      num(avg.recall, 4),
      num(avg.f1, 4),
      String(r.n),
    ]);
  }
  return table(['class', 'precision', 'recall', 'f1', 'support'], rows, [
    'left',
    'right',
    'right',
    'right',
    'right',
  ]);
}

export function headline(r: MetricsReport): string {
  return `accuracy ${color.bold(num(r.accuracy, 4))}   log loss ${num(r.log_loss, 4)}   (${r.n} rows)`;
}

/** Rows: true label; columns: predicted. Diagonal green, other non-zero cells yellow. */
export function confusionMatrix(r: MetricsReport): string {
  const rows = r.confusion_matrix.map((row, i) => [
    r.labels[i] ?? '',
    ...row.map((n, j) => {
      const s = String(n);
      if (i === j) return color.green(color.bold(s));
      return n > 0 ? color.yellow(s) : color.dim(s);
    }),
  ]);
  return table(['true \\ predicted', ...r.labels], rows, [
    'left',
    ...r.labels.map(() => 'right' as const),
  ]);
}

/** The full evaluation block: report, headline, confusion matrix. */
export function evaluationBlock(r: MetricsReport): string {
  return `${classificationReport(r)}\n\n${headline(r)}\n\n${color.bold('Confusion matrix')} ${color.dim('(rows: true class, columns: predicted)')}\n${confusionMatrix(r)}\n`;
}

/** The first 12 hex digits of a hash, enough to recognise it. */
export function short(sha: string): string {
  return sha.slice(0, 12);
}
