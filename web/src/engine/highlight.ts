/**
 * Which words of a text drove the decision, for highlighting: the text is
 * split into tokens the way the engine's tokenizer sees them (runs of two or
 * more letters, digits or underscores, lowercased, accents stripped when the
 * model does), and each token gets the summed contribution of the explained
 * n-grams it is part of. Display only: the decision itself is the engine's.
 * @module
 */
export interface Span {
  text: string;
  /** Contribution to the winning class (0 for plain text). */
  weight: number;
  /** The n-grams this token is part of. */
  features: string[];
}

const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

function normalise(t: string, stripAccents: boolean): string {
  const lower = t.toLowerCase();
  return stripAccents ? lower.normalize('NFKD').replace(/\p{M}/gu, '') : lower;
}

export function highlight(
  text: string,
  contributions: ReadonlyArray<{ feature: string; contribution: number }>,
  opts: { maxN: number; stripAccents: boolean },
): Span[] {
  const tokens: Array<{ start: number; end: number; norm: string }> = [];
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index ?? 0;
    tokens.push({ start, end: start + m[0].length, norm: normalise(m[0], opts.stripAccents) });
  }
  const byFeature = new Map(contributions.map((c) => [c.feature, c.contribution]));
  const weight = new Array<number>(tokens.length).fill(0);
  const features: string[][] = tokens.map(() => []);
  for (let i = 0; i < tokens.length; i++) {
    for (let n = 1; n <= opts.maxN && i + n <= tokens.length; n++) {
      const gram = tokens
        .slice(i, i + n)
        .map((t) => t.norm)
        .join(' ');
      const c = byFeature.get(gram);
      if (c === undefined) continue;
      for (let j = i; j < i + n; j++) {
        weight[j] = (weight[j] as number) + c;
        (features[j] as string[]).push(gram);
      }
    }
  }
  const spans: Span[] = [];
  let pos = 0;
  tokens.forEach((t, i) => {
    if (t.start > pos) spans.push({ text: text.slice(pos, t.start), weight: 0, features: [] });
    spans.push({
      text: text.slice(t.start, t.end),
      weight: weight[i] as number,
      features: features[i] as string[],
    });
    pos = t.end;
  });
  if (pos < text.length) spans.push({ text: text.slice(pos), weight: 0, features: [] });
  return spans;
}
