// Hand-written SVG bar chart of the benchmark's ratios, log scale.
// Every bar is "how many times better Sentio is" (higher = better), so ratios
// whose target is an upper bound (memory, size, WASM slowdown) are inverted.
// Bars start at 1× (parity). Whiskers: the spread of the ratio (matched order statistics); the dark tick
// on each row: the target. Green: target met; red: not met; grey: no target.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmtFactor(x) {
  if (!Number.isFinite(x)) return '–';
  if (x >= 100) return `${x.toFixed(0)}×`;
  if (x >= 10) return `${x.toFixed(1)}×`;
  return `${x.toFixed(2)}×`;
}

/**
 * rows: [{ label, sublabel, factor, lo, hi, target (factor or null), met (true/false/null) }]
 */
export function ratiosSvg(rows, { title, subtitle }) {
  const finite = (x) => Number.isFinite(x) && x > 0;
  const values = rows.flatMap((r) => [r.factor, r.lo, r.hi, r.target]).filter(finite);
  const minExp = Math.min(-1, Math.floor(Math.log10(Math.min(...values))));
  const maxExp = Math.max(3, Math.ceil(Math.log10(Math.max(...values))));
  const labelW = 300;
  const plotW = 520;
  const valueW = 70;
  const left = labelW + 10;
  const top = 64;
  const rowH = 34;
  const width = left + plotW + valueW + 20;
  const height = top + rows.length * rowH + 80;
  const x = (v) => left + ((Math.log10(v) - minExp) / (maxExp - minExp)) * plotW;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${esc(title)}: ${esc(rows.map((r) => `${r.label} ${fmtFactor(r.factor)}`).join('; '))}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="12" y="40" fill="#555">${esc(subtitle)}</text>`,
  );
  // Decade grid and axis labels.
  const axisY = top + rows.length * rowH + 6;
  for (let e = minExp; e <= maxExp; e++) {
    const gx = x(10 ** e).toFixed(1);
    out.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${axisY}" stroke="${e === 0 ? '#888' : '#ddd'}" stroke-width="1"/>`,
    );
    const label = e < 0 ? `${10 ** e}×`.replace(/^0\./, '0.') : `${10 ** e}×`;
    out.push(
      `<text x="${gx}" y="${axisY + 16}" text-anchor="middle" fill="#444">${esc(label)}</text>`,
    );
    if (e < maxExp) {
      for (let k = 2; k <= 9; k++) {
        const mx = x(k * 10 ** e).toFixed(1);
        out.push(`<line x1="${mx}" y1="${axisY - 4}" x2="${mx}" y2="${axisY}" stroke="#bbb"/>`);
      }
    }
  }
  out.push(`<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" stroke="#444"/>`);
  out.push(
    `<text x="${left + plotW / 2}" y="${axisY + 34}" text-anchor="middle" fill="#444">× in Sentio's favour (log scale; 1× = parity; left of 1× Sentio is worse)</text>`,
  );
  rows.forEach((r, i) => {
    const cy = top + i * rowH + rowH / 2;
    out.push(`<text x="${labelW}" y="${cy - 2}" text-anchor="end">${esc(r.label)}</text>`);
    if (r.sublabel)
      out.push(
        `<text x="${labelW}" y="${cy + 11}" text-anchor="end" fill="#777" font-size="10">${esc(r.sublabel)}</text>`,
      );
    if (!finite(r.factor)) {
      out.push(`<text x="${left + 4}" y="${cy + 4}" fill="#999">not measured</text>`);
      return;
    }
    const colour = r.met === true ? '#2e9d4f' : r.met === false ? '#d1453b' : '#8c8c8c';
    // Bars grow from parity (1×): right when Sentio is ahead, left when behind.
    const xa = Math.min(x(1), x(r.factor));
    const xb = Math.max(x(1), x(r.factor));
    out.push(
      `<rect x="${xa.toFixed(1)}" y="${(cy - 9).toFixed(1)}" width="${Math.max(1, xb - xa).toFixed(1)}" height="18" fill="${colour}" fill-opacity="0.85"/>`,
    );
    if (finite(r.lo) && finite(r.hi) && (r.lo !== r.factor || r.hi !== r.factor)) {
      const a = x(r.lo).toFixed(1);
      const b = x(r.hi).toFixed(1);
      out.push(
        `<line x1="${a}" y1="${cy}" x2="${b}" y2="${cy}" stroke="#222" stroke-width="1.2"/>`,
      );
      out.push(
        `<line x1="${a}" y1="${cy - 5}" x2="${a}" y2="${cy + 5}" stroke="#222" stroke-width="1.2"/>`,
      );
      out.push(
        `<line x1="${b}" y1="${cy - 5}" x2="${b}" y2="${cy + 5}" stroke="#222" stroke-width="1.2"/>`,
      );
    }
    if (finite(r.target)) {
      const tx = x(r.target).toFixed(1);
      out.push(
        `<line x1="${tx}" y1="${cy - 14}" x2="${tx}" y2="${cy + 14}" stroke="#111" stroke-width="2.5" stroke-dasharray="4 2"/>`,
      );
    }
    out.push(
      `<text x="${left + plotW + 8}" y="${cy + 4}" font-weight="bold" fill="${colour}">${esc(fmtFactor(r.factor))}</text>`,
    );
  });
  // Legend.
  const ly = height - 12;
  const legend = [
    ['#2e9d4f', 'target met'],
    ['#d1453b', 'target NOT met'],
    ['#8c8c8c', 'no target (context)'],
  ];
  let lx = 12;
  for (const [c, t] of legend) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${c}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly}">${esc(t)}</text>`);
    lx += 16 + t.length * 6.5 + 18;
  }
  out.push(
    `<line x1="${lx}" y1="${ly - 11}" x2="${lx}" y2="${ly + 2}" stroke="#111" stroke-width="2.5" stroke-dasharray="4 2"/>`,
  );
  out.push(`<text x="${lx + 6}" y="${ly}">target</text>`);
  lx += 60;
  out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="#222"/>`);
  out.push(`<text x="${lx + 26}" y="${ly}">spread (matched min/max or p10/p90)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
