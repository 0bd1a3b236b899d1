/**
 * A progress bar with rate and ETA on stderr, for work that can take more
 * than a second or two. Silent when stderr is not a terminal (scripts, CI),
 * so `--json` output and logs stay clean.
 * @module
 */

export interface Progress {
  /** Advance by `n` units. */
  tick(n?: number): void;
  /** Set the absolute position. */
  update(done: number): void;
  /** Finish and clear the line. */
  done(summary?: string): void;
}

const REDRAW_MS = 100;

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${Math.round(s % 60)
    .toString()
    .padStart(2, '0')}s`;
}

/** Start a bar for `total` units (0 or unknown: a counter without ETA). */
export function progress(
  label: string,
  total: number,
  unit = 'items',
  stream = process.stderr,
): Progress {
  const enabled = stream.isTTY === true && process.env.SENTIO_NO_PROGRESS === undefined;
  const start = performance.now();
  let done = 0;
  let last = 0;
  const draw = (force = false) => {
    if (!enabled) return;
    const now = performance.now();
    if (!force && now - last < REDRAW_MS) return;
    last = now;
    const secs = (now - start) / 1000;
    // Rates from the first instants are noise: show them after a quarter second.
    const settled = secs >= 0.25 && done > 0;
    const rate = done / Math.max(secs, 1e-9);
    const rateText = settled ? `${rate.toFixed(0)} ${unit}/s` : `– ${unit}/s`;
    let line: string;
    if (total > 0) {
      const frac = Math.min(1, done / total);
      const cells = 24;
      const filled = Math.round(frac * cells);
      const eta = settled ? fmtDuration((total - done) / rate) : '?';
      line = `${label} [${'█'.repeat(filled)}${'░'.repeat(cells - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${unit} · ${rateText} · ETA ${eta}`;
    } else {
      line = `${label} ${done} ${unit} · ${rateText} · ${fmtDuration(secs)}`;
    }
    stream.write(`\r\u001b[2K${line}`);
  };
  return {
    tick(n = 1) {
      done += n;
      draw();
    },
    update(d) {
      done = d;
      draw();
    },
    done(summary) {
      if (!enabled) return;
      stream.write('\r\u001b[2K');
      if (summary) stream.write(`${summary}\n`);
    },
  };
}
