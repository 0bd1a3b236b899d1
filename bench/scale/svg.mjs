// Hand-written SVG of the scale benchmark: two panels side by side, training
// time (log-log) and peak RSS (linear) against the corpus size (log), one line
// per series (colour: feature mode; solid: two passes; dashed: single pass).
// Whiskers: min–max of the repeats; a red cross: a point stopped at the memory limit.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const COLOURS = { vocabulary: '#1f6fb4', hashing: '#e0701b' };

/** Ticks from 0 to at least `max` (MiB): nice MiB steps, or whole/half GiB steps above 1.5 GiB. */
function niceTicksLinear(max) {
  if (max > 1536) {
    const step = [512, 1024, 2048, 4096, 8192].find((st) => max / st <= 6);
    const ticks = [];
    for (let v = 0; v < max + step; v += step) ticks.push(v);
    return ticks;
  }
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v < max + step; v += step) ticks.push(v);
  return ticks;
}

function logTicks(min, max) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** e;
      if (v >= min / 1.0001 && v <= max * 1.0001) ticks.push(v);
    }
  }
  return ticks;
}

const fmtTick = (v) =>
  v >= 1000 ? `${v / 1000}k` : v >= 1 ? `${+v.toPrecision(3)}` : `${+v.toPrecision(2)}`;

/**
 * series: [{ label, mode, twoPass, points: [{ times, docs, seconds, lo, hi, peakMiB, peakLo, peakHi }],
 *            stopped: [{ times, rssMiB }] }]
 */
export function scaleSvg(series, { title, subtitle, limitMiB, xLabels }) {
  const W = 1010;
  const H = 490;
  const panelW = 380;
  const panelH = 280;
  const top = 78;
  const lefts = [86, 86 + panelW + 124];
  const allTimes = series.flatMap((s) => [
    ...s.points.map((p) => p.times),
    ...s.stopped.map((p) => p.times),
  ]);
  const xMin = Math.min(...allTimes) / 1.25;
  const xMax = Math.max(...allTimes) * 1.25;
  const xOf = (left) => (t) =>
    left + ((Math.log(t) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * panelW;

  const secs = series.flatMap((s) => s.points.flatMap((p) => [p.lo, p.hi, p.seconds]));
  // The 1-2-5 steps just below the smallest and just above the largest time.
  const steps = (v) => [1, 2, 5].map((k) => k * 10 ** Math.floor(Math.log10(v)));
  const yMinT = Math.max(...steps(Math.min(...secs)).filter((x) => x <= Math.min(...secs)));
  const yMaxT = [...steps(Math.max(...secs)), 10 ** Math.ceil(Math.log10(Math.max(...secs)))]
    .filter((x) => x >= Math.max(...secs))
    .reduce((a, b) => Math.min(a, b));
  const yTime = (v) =>
    top + panelH - ((Math.log(v) - Math.log(yMinT)) / (Math.log(yMaxT) - Math.log(yMinT))) * panelH;

  const mems = series.flatMap((s) => [
    ...s.points.flatMap((p) => [p.peakHi, p.peakMiB]),
    ...s.stopped.map((p) => p.rssMiB),
  ]);
  const anyStopped = series.some((s) => s.stopped.length > 0);
  const memTop = Math.max(...mems, anyStopped && limitMiB ? limitMiB : 0) * 1.08;
  const memTicks = niceTicksLinear(memTop);
  const yMaxM = memTicks.at(-1);
  const yMem = (v) => top + panelH - (v / yMaxM) * panelH;

  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12" role="img" aria-labelledby="scale-title">`,
    `<title id="scale-title">${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="12" y="40" fill="#555">${esc(subtitle)}</text>`,
  );

  const panel = (left, name, yTicks, yPos, yFmt, yLabel) => {
    const x = xOf(left);
    out.push(
      `<text x="${left + panelW / 2}" y="${top - 14}" text-anchor="middle" font-weight="bold">${esc(name)}</text>`,
    );
    for (const v of yTicks) {
      const y = yPos(v).toFixed(1);
      out.push(
        `<line x1="${left}" y1="${y}" x2="${left + panelW}" y2="${y}" stroke="#e3e3e3"/>`,
        `<text x="${left - 6}" y="${(+y + 4).toFixed(1)}" text-anchor="end" fill="#444">${esc(yFmt(v))}</text>`,
      );
    }
    for (const t of [...new Set(allTimes)].sort((a, b) => a - b)) {
      const gx = x(t).toFixed(1);
      out.push(
        `<line x1="${gx}" y1="${top}" x2="${gx}" y2="${top + panelH}" stroke="#e3e3e3"/>`,
        `<text x="${gx}" y="${top + panelH + 16}" text-anchor="middle" fill="#444">${esc(`${t}x`)}</text>`,
        ...(xLabels?.[t] ?? []).map(
          (line, i) =>
            `<text x="${gx}" y="${top + panelH + 29 + i * 12}" text-anchor="middle" fill="#888" font-size="10">${esc(line)}</text>`,
        ),
      );
    }
    out.push(
      `<rect x="${left}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#444"/>`,
      `<text x="${left + panelW / 2}" y="${top + panelH + 60}" text-anchor="middle" fill="#444">corpus size (× the imdb train set, log scale)</text>`,
      `<text transform="translate(${left - 62} ${top + panelH / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(yLabel)}</text>`,
    );
  };
  panel(
    lefts[0],
    'Training time',
    logTicks(yMinT, yMaxT),
    yTime,
    (v) => `${fmtTick(v)} s`,
    'wall seconds (log scale)',
  );
  panel(
    lefts[1],
    'Peak RSS of the training process',
    memTicks,
    yMem,
    (v) => (v >= 1024 ? `${+(v / 1024).toFixed(2)} GiB` : `${+v.toFixed(0)} MiB`),
    'peak RSS (VmHWM)',
  );

  // Linear-scaling reference in the time panel: slope 1 through the first point of the first series.
  const ref = series[0]?.points[0];
  if (ref) {
    const x = xOf(lefts[0]);
    const a = ref.seconds / ref.times;
    const t1 = Math.min(...allTimes);
    const t2 = Math.max(...allTimes);
    out.push(
      `<line x1="${x(t1).toFixed(1)}" y1="${yTime(a * t1).toFixed(1)}" x2="${x(t2).toFixed(1)}" y2="${yTime(Math.min(a * t2, yMaxT)).toFixed(1)}" stroke="#999" stroke-dasharray="1 3" stroke-width="1.5"/>`,
      `<text x="${(x(t2) - 4).toFixed(1)}" y="${(yTime(Math.min(a * t2, yMaxT)) + 14).toFixed(1)}" text-anchor="end" fill="#888" font-size="10">linear (slope 1)</text>`,
    );
  }
  if (anyStopped && limitMiB) {
    const y = yMem(limitMiB).toFixed(1);
    out.push(
      `<line x1="${lefts[1]}" y1="${y}" x2="${lefts[1] + panelW}" y2="${y}" stroke="#c62828" stroke-dasharray="6 3"/>`,
      `<text x="${lefts[1] + 4}" y="${(+y - 4).toFixed(1)}" fill="#c62828" font-size="10">memory limit: the point is stopped here</text>`,
    );
  }

  for (const s of series) {
    const colour = COLOURS[s.mode] ?? '#555';
    const dash = s.twoPass ? '' : ' stroke-dasharray="7 4"';
    const marker = (cx, cy) =>
      s.twoPass
        ? `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="3.8" fill="${colour}"/>`
        : `<rect x="${(cx - 3.5).toFixed(1)}" y="${(cy - 3.5).toFixed(1)}" width="7" height="7" fill="#fff" stroke="${colour}" stroke-width="1.6"/>`;
    const draw = (left, yPos, val, lo, hi) => {
      const x = xOf(left);
      const pts = s.points.map((p) => [x(p.times), yPos(val(p))]);
      if (pts.length > 1) {
        out.push(
          `<polyline points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`,
        );
      }
      for (const p of s.points) {
        const cx = x(p.times);
        if (lo(p) !== hi(p)) {
          out.push(
            `<line x1="${cx.toFixed(1)}" y1="${yPos(lo(p)).toFixed(1)}" x2="${cx.toFixed(1)}" y2="${yPos(hi(p)).toFixed(1)}" stroke="${colour}" stroke-width="1.2"/>`,
          );
        }
        out.push(marker(cx, yPos(val(p))));
      }
    };
    draw(
      lefts[0],
      yTime,
      (p) => p.seconds,
      (p) => p.lo,
      (p) => p.hi,
    );
    draw(
      lefts[1],
      yMem,
      (p) => p.peakMiB,
      (p) => p.peakLo,
      (p) => p.peakHi,
    );
    for (const st of s.stopped) {
      const cx = xOf(lefts[1])(st.times);
      const cy = yMem(st.rssMiB);
      const last = s.points.at(-1);
      if (last) {
        out.push(
          `<line x1="${xOf(lefts[1])(last.times).toFixed(1)}" y1="${yMem(last.peakMiB).toFixed(1)}" x2="${cx.toFixed(1)}" y2="${cy.toFixed(1)}" stroke="${colour}" stroke-width="1.2" stroke-dasharray="2 3"/>`,
        );
      }
      out.push(
        `<path d="M${cx - 6},${cy - 6} L${cx + 6},${cy + 6} M${cx - 6},${cy + 6} L${cx + 6},${cy - 6}" stroke="#c62828" stroke-width="2.5"/>`,
      );
    }
  }

  // Legend.
  let ly = H - 40;
  let lx = 20;
  for (const s of series) {
    const colour = COLOURS[s.mode] ?? '#555';
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"${s.twoPass ? '' : ' stroke-dasharray="7 4"'}/>`,
      s.twoPass
        ? `<circle cx="${lx + 14}" cy="${ly - 4}" r="3.8" fill="${colour}"/>`
        : `<rect x="${lx + 10.5}" y="${ly - 7.5}" width="7" height="7" fill="#fff" stroke="${colour}" stroke-width="1.6"/>`,
      `<text x="${lx + 34}" y="${ly}">${esc(s.label)}</text>`,
    );
    lx += 34 + s.label.length * 6.6 + 24;
    if (lx > W - 200) {
      lx = 20;
      ly += 18;
    }
  }
  out.push(
    `<text x="20" y="${H - 6}" fill="#666" font-size="10">whiskers: min–max of the repeats; red cross: stopped at the memory limit (the RSS when it was stopped)</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
