/**
 * The confusion matrix as a heat map: rows are true labels, columns
 * predictions; each cell's colour is its share of the row (recall along the
 * diagonal), green on the diagonal and red off it, with the count written in.
 * @module
 */
import { h } from '../lib/dom';

export function confusionHeatmap(
  labels: readonly string[],
  matrix: readonly number[][],
): HTMLElement {
  const grid = h('div', { class: 'heatmap', id: 'confusion', role: 'table' });
  grid.style.gridTemplateColumns = `auto repeat(${labels.length}, minmax(3.5rem, 1fr))`;
  grid.appendChild(h('div', { class: 'corner' }, 'true \\ predicted'));
  for (const l of labels) grid.appendChild(h('div', { class: 'colhead' }, l));
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    grid.appendChild(h('div', { class: 'rowhead' }, labels[i] ?? ''));
    row.forEach((n, j) => {
      const share = n / total;
      const cell = h(
        'div',
        {
          class: `cell ${i === j ? 'diag' : 'off'}`,
          title: `${labels[i]} → ${labels[j]}: ${n} (${(share * 100).toFixed(1)}% of the row)`,
        },
        String(n),
      );
      cell.style.setProperty('--a', share.toFixed(3));
      grid.appendChild(cell);
    });
  });
  return grid;
}
