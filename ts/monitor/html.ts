/**
 * The monitoring report as one self-contained HTML file: no scripts, no
 * external styles or fonts, every chart inline SVG — reference and live
 * distributions side by side per signal, the tokens that moved most, and
 * each signal over the window with its threshold. Safe to mail or attach to
 * a ticket; every string from the data is escaped.
 * @module
 */
import type { MonitorReport, SeriesPoint } from './report.js';
import type { Signal } from './signals.js';

const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const fmt = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d);

const REF = '#9aa5b1';
const LIVE = '#2f6fde';

/** Grouped bars: reference and live share per bin. */
function distributionChart(
  ref: ReadonlyArray<{ bin: string; share: number }>,
  live: ReadonlyArray<{ bin: string; share: number }>,
): string {
  const w = 560;
  const h = 180;
  const pad = 28;
  const n = Math.max(1, ref.length);
  const max = Math.max(0.01, ...ref.map((r) => r.share), ...live.map((r) => r.share));
  const slot = (w - pad * 2) / n;
  const bar = Math.max(2, slot / 2 - 2);
  const y = (v: number) => h - pad - (v / max) * (h - pad * 2);
  const parts: string[] = [];
  ref.forEach((r, i) => {
    const x = pad + i * slot;
    const l = live[i]?.share ?? 0;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(r.share).toFixed(1)}" width="${bar.toFixed(1)}" height="${(h - pad - y(r.share)).toFixed(1)}" fill="${REF}"><title>${esc(r.bin)} reference ${fmt(r.share)}</title></rect>`,
      `<rect x="${(x + bar + 1).toFixed(1)}" y="${y(l).toFixed(1)}" width="${bar.toFixed(1)}" height="${(h - pad - y(l)).toFixed(1)}" fill="${LIVE}"><title>${esc(r.bin)} live ${fmt(l)}</title></rect>`,
      `<text x="${(x + bar).toFixed(1)}" y="${h - pad + 12}" font-size="9" text-anchor="middle">${esc(r.bin)}</text>`,
    );
  });
  parts.push(
    `<text x="${pad}" y="12" font-size="10">max share ${fmt(max, 3)}</text>`,
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#444"/>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img">${parts.join('')}</svg>`;
}

/** Horizontal paired bars for the tokens that moved most. */
function movedChart(moved: NonNullable<Signal['moved']>): string {
  const rowH = 18;
  const w = 560;
  const left = 140;
  const h = moved.length * rowH + 10;
  const max = Math.max(1e-6, ...moved.flatMap((m) => [m.reference, m.live]));
  const sx = (v: number) => (v / max) * (w - left - 10);
  const parts = moved.map((m, i) => {
    const y = 5 + i * rowH;
    return (
      `<text x="${left - 6}" y="${y + 12}" font-size="11" text-anchor="end">${esc(m.token)}</text>` +
      `<rect x="${left}" y="${y + 1}" width="${sx(m.reference).toFixed(1)}" height="7" fill="${REF}"><title>reference ${fmt(m.reference, 5)}</title></rect>` +
      `<rect x="${left}" y="${y + 8}" width="${sx(m.live).toFixed(1)}" height="7" fill="${LIVE}"><title>live ${fmt(m.live, 5)}</title></rect>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img">${parts.join('')}</svg>`;
}

/** A signal's value over the window, with its threshold as a dashed line. */
function seriesChart(points: readonly SeriesPoint[], threshold: number): string {
  const w = 560;
  const h = 140;
  const pad = 30;
  const vals = points.filter((p) => p.value !== null) as Array<SeriesPoint & { value: number }>;
  if (vals.length === 0) return '<p class="dim">no points</p>';
  const t0 = Math.min(...vals.map((p) => p.at));
  const t1 = Math.max(...vals.map((p) => p.at));
  const max = Math.max(threshold * 1.2, ...vals.map((p) => p.value), 1e-9);
  const x = (t: number) =>
    pad + (t1 === t0 ? (w - 2 * pad) / 2 : ((t - t0) / (t1 - t0)) * (w - 2 * pad));
  const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);
  const path = vals
    .map((p, i) => `${i ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join('');
  const dots = vals
    .map(
      (p) =>
        `<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="${LIVE}"><title>${esc(new Date(p.at).toISOString())}: ${fmt(p.value)} (n=${p.n})</title></circle>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img">` +
    `<line x1="${pad}" y1="${y(threshold).toFixed(1)}" x2="${w - pad}" y2="${y(threshold).toFixed(1)}" stroke="#d33" stroke-dasharray="4 3"><title>threshold ${fmt(threshold)}</title></line>` +
    `<path d="${path}" fill="none" stroke="${LIVE}" stroke-width="1.5"/>${dots}` +
    `<text x="${pad}" y="12" font-size="10">max ${fmt(max, 3)} · threshold ${fmt(threshold, 3)}</text>` +
    `<text x="${pad}" y="${h - 8}" font-size="9">${esc(new Date(t0).toISOString())}</text>` +
    `<text x="${w - pad}" y="${h - 8}" font-size="9" text-anchor="end">${esc(new Date(t1).toISOString())}</text>` +
    '</svg>'
  );
}

function signalSection(s: Signal, points: readonly SeriesPoint[]): string {
  const cls = s.verdict === 'drift' ? 'bad' : s.verdict === 'ok' ? 'good' : 'dim';
  const parts = [
    `<section><h2>${esc(s.name)} <span class="${cls}">${esc(s.verdict)}</span></h2>`,
    `<p>${esc(s.method)}. Value <b>${fmt(s.value)}</b>, drift when ${s.direction} ${fmt(s.threshold)}; window ${s.n} (minimum ${s.minWindow}).${s.reason ? ` ${esc(s.reason)}.` : ''}</p>`,
  ];
  if (s.reference && s.live) {
    parts.push(
      `<div class="legend"><span style="color:${REF}">■ reference</span> <span style="color:${LIVE}">■ live</span></div>`,
      distributionChart(s.reference, s.live),
    );
  }
  if (s.moved && s.moved.length > 0) {
    parts.push('<h3>Tokens that moved most (document-frequency share)</h3>', movedChart(s.moved));
  }
  parts.push('<h3>Over the window</h3>', seriesChart(points, s.threshold), '</section>');
  return parts.join('\n');
}

export function renderHtmlReport(r: MonitorReport): string {
  const perf = r.performance.arms
    .map(
      (a) =>
        `<tr><td>${esc(a.arm)}</td><td>${a.predictions}</td><td>${a.labelled}</td><td>${fmt(a.accuracy)}</td><td>${fmt(a.expectedAccuracy)}</td><td>${fmt(a.macroF1)}</td><td>${fmt(a.ece)}</td></tr>`,
    )
    .join('');
  const rows = Object.values(r.signals)
    .map(
      (s) =>
        `<tr><td>${esc(s.name)}</td><td>${fmt(s.value)}</td><td>${s.direction === 'above' ? '>' : '<'} ${fmt(s.threshold)}</td><td class="${s.verdict === 'drift' ? 'bad' : s.verdict === 'ok' ? 'good' : 'dim'}">${esc(s.verdict)}</td><td>${s.n}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Sentio monitor: ${esc(r.model)}@${r.version}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#222}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.bad{color:#c22;font-weight:600}.good{color:#187a2f}.dim{color:#888}
section{margin:28px 0;border-top:1px solid #eee}.legend{font-size:12px}
</style></head><body>
<h1>${esc(r.model)}@${r.version}: ${r.drift ? '<span class="bad">drift</span>' : '<span class="good">no drift</span>'}</h1>
<p>Window: ${esc(r.window.text)}, ${r.window.predictions} predictions${r.window.from !== null ? ` from ${esc(new Date(r.window.from).toISOString())} to ${esc(new Date(r.window.to ?? r.window.from).toISOString())}` : ''}. Generated ${esc(r.generatedAt)}.</p>
<table><tr><th>signal</th><th>value</th><th>drift when</th><th>verdict</th><th>n</th></tr>${rows}</table>
<h2>Live performance</h2>
<p>Offline evaluation: accuracy ${fmt(r.performance.offline.accuracy)}, macro F1 ${fmt(r.performance.offline.macroF1)}.</p>
<table><tr><th>arm</th><th>predictions</th><th>labelled</th><th>accuracy</th><th>expected accuracy</th><th>macro F1</th><th>ECE</th></tr>${perf}</table>
${Object.values(r.signals)
  .map((s) => signalSection(s, r.series[s.name]))
  .join('\n')}
</body></html>
`;
}
