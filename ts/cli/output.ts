/**
 * Human output helpers: colour that degrades to plain text (NO_COLOR, pipes),
 * aligned tables, and JSON for scripts.
 * @module
 */
import pc from 'picocolors';

export const color = pc;

/** Print a value as one JSON document on stdout (the `--json` contract). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Visible width of a string (ANSI colour codes do not count). */
function width(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI escapes
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

export type Align = 'left' | 'right';

/** Render rows as an aligned table with a header line. */
export function table(header: string[], rows: string[][], align: Align[] = []): string {
  const cols = header.length;
  const widths = Array.from({ length: cols }, (_, c) =>
    Math.max(width(header[c] ?? ''), ...rows.map((r) => width(r[c] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => {
        const pad = ' '.repeat((widths[c] ?? 0) - width(cell));
        return align[c] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const out = [pc.bold(line(header)), line(widths.map((w) => '─'.repeat(w)))];
  for (const r of rows) out.push(line(r));
  return out.join('\n');
}

/** Format a probability or rate as a fixed-width number. */
export function num(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);
}

/** A horizontal bar for a value in [0, 1], for quick visual comparison. */
export function bar(x: number, cells = 20): string {
  const filled = Math.max(0, Math.min(cells, Math.round(x * cells)));
  return '█'.repeat(filled) + pc.dim('·'.repeat(cells - filled));
}
