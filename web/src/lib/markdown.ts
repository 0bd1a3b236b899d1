/**
 * Model cards are markdown (ts/train/model-card.ts writes them): headings,
 * paragraphs, lists, tables, fenced code, `code`, **bold** and *italic*.
 * This renders that subset to DOM nodes, never through innerHTML, so a card
 * cannot carry markup or scripts into the page.
 * @module
 */
import { h } from './dom';

function inline(text: string): Array<Node | string> {
  const out: Array<Node | string> = [];
  const re = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|_[^_\s][^_]*_)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const i = m.index ?? 0;
    if (i > last) out.push(text.slice(last, i));
    const t = m[0];
    if (t.startsWith('`')) out.push(h('code', null, t.slice(1, -1)));
    else if (t.startsWith('**')) out.push(h('strong', null, t.slice(2, -2)));
    else out.push(h('em', null, t.slice(1, -1)));
    last = i + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));

export function renderMarkdown(md: string): HTMLElement {
  const root = h('div', { class: 'markdown' });
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const head = /^(#{1,6})\s+(.*)$/.exec(line);
    if (head) {
      const level = Math.min(6, (head[1] as string).length + 1);
      root.appendChild(h(`h${level}` as 'h2', null, ...inline(head[2] as string)));
      i++;
    } else if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).startsWith('```'))
        body.push(lines[i++] as string);
      i++;
      root.appendChild(h('pre', null, h('code', null, body.join('\n'))));
    } else if (line.trim().startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && (lines[i] as string).trim().startsWith('|'))
        rows.push(cells(lines[i++] as string));
      const [headRow, sep, ...body] = rows;
      const hasSep = sep?.every((c) => /^:?-+:?$/.test(c)) ?? false;
      root.appendChild(
        h(
          'table',
          null,
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              (headRow ?? []).map((c) => h('th', null, ...inline(c))),
            ),
          ),
          h(
            'tbody',
            null,
            (hasSep ? body : [sep ?? [], ...body]).map((r) =>
              h(
                'tr',
                null,
                r.map((c) => h('td', null, ...inline(c))),
              ),
            ),
          ),
        ),
      );
    } else if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const list = h(ordered ? 'ol' : 'ul');
      while (i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i] as string)) {
        list.appendChild(
          h('li', null, ...inline((lines[i++] as string).replace(/^\s*([-*]|\d+\.)\s+/, ''))),
        );
      }
      root.appendChild(list);
    } else {
      const para: string[] = [];
      while (
        i < lines.length &&
        (lines[i] as string).trim() !== '' &&
        !/^(#|```|\s*\||\s*([-*]|\d+\.)\s)/.test(lines[i] as string)
      ) {
        para.push(lines[i++] as string);
      }
      if (para.length === 0) para.push(lines[i++] as string);
      root.appendChild(h('p', null, ...inline(para.join(' '))));
    }
  }
  return root;
}
