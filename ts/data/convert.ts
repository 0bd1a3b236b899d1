/**
 * Official archive → Sentio's CSV layout (header `text,label`, RFC 4180
 * quoting only where needed, LF record ends, every line-break character in
 * a text replaced by one space). The rules follow the conversion notes of
 * the reference copy in ../shared/data, so a converted file can be compared
 * byte for byte with it (see pull.ts: compared, reported, not enforced).
 * @module
 */
import { readTarGz, readZip } from './archive.js';
import type { AtomicFile } from './atomic-file.js';
import type { ConverterId } from './catalog.js';

export interface LabelledRow {
  text: string;
  label: string;
}

/** The characters Python's str.splitlines() splits on (CRLF counts once). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: \v, \f and \x1c-\x1e are line breaks to splitlines()
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/g;

export function oneLine(text: string): string {
  return text.replace(LINE_BREAKS, ' ');
}

/** A CSV field, quoted only when it has to be. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Write rows as a `text,label` CSV through `out`, in blocks of about 1 MiB. */
export async function writeLabelledCsv(
  out: AtomicFile,
  rows: readonly LabelledRow[],
): Promise<void> {
  let block = 'text,label\n';
  for (const r of rows) {
    block += `${csvField(oneLine(r.text))},${csvField(r.label)}\n`;
    if (block.length >= 1 << 20) {
      await out.write(block);
      block = '';
    }
  }
  if (block.length > 0) await out.write(block);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8, else Windows-1252 (one BBC article is a Latin-1 `£`). */
function decodeText(data: Buffer): string {
  try {
    return strictUtf8.decode(data);
  } catch {
    return new TextDecoder('windows-1252').decode(data);
  }
}

const byNumberThen = (a: { n: number; key: string }, b: { n: number; key: string }) =>
  a.n - b.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** aclImdb_v1.tar.gz: train/test × pos/neg review files → train.csv, test.csv, by review id then label. */
async function convertImdb(archive: string): Promise<Map<string, LabelledRow[]>> {
  const splits = new Map<string, { n: number; key: string; row: LabelledRow }[]>([
    ['train.csv', []],
    ['test.csv', []],
  ]);
  const re = /^aclImdb\/(train|test)\/(pos|neg)\/(\d+)_\d+\.txt$/;
  await readTarGz(
    archive,
    (name) => re.test(name),
    (name, data) => {
      const m = re.exec(name) as RegExpExecArray;
      const label = m[2] === 'pos' ? 'positive' : 'negative';
      splits
        .get(`${m[1]}.csv`)
        ?.push({ n: Number(m[3]), key: label, row: { text: strictUtf8.decode(data), label } });
    },
  );
  return new Map([...splits].map(([f, rows]) => [f, rows.sort(byNumberThen).map((r) => r.row)]));
}

/** GLUE SST-2.zip: SST-2/{train,dev}.tsv (`sentence<TAB>label`, 0/1) → train.csv, dev.csv. */
async function convertSst2(archive: string): Promise<Map<string, LabelledRow[]>> {
  const files = await readZip(archive, (n) => n === 'SST-2/train.tsv' || n === 'SST-2/dev.tsv');
  const out = new Map<string, LabelledRow[]>();
  for (const [member, csv] of [
    ['SST-2/train.tsv', 'train.csv'],
    ['SST-2/dev.tsv', 'dev.csv'],
  ] as const) {
    const data = files.get(member);
    if (data === undefined) throw new Error(`${archive}: ${member} is missing`);
    const lines = strictUtf8.decode(data).split('\n');
    const rows: LabelledRow[] = [];
    for (const line of lines.slice(1)) {
      const l = line.replace(/\r$/, '');
      if (l === '') continue;
      const tab = l.lastIndexOf('\t');
      rows.push({
        text: l.slice(0, tab),
        label: l.slice(tab + 1) === '1' ? 'positive' : 'negative',
      });
    }
    out.set(csv, rows);
  }
  return out;
}

/** UCI 331 zip: three `sentence<TAB>0|1` files (amazon, imdb, yelp, in that order) → all.csv. */
async function convertUci(archive: string): Promise<Map<string, LabelledRow[]>> {
  const order = ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt'];
  const dir = 'sentiment labelled sentences/';
  const files = await readZip(
    archive,
    (n) => n.startsWith(dir) && order.includes(n.slice(dir.length)),
  );
  const rows: LabelledRow[] = [];
  for (const f of order) {
    const data = files.get(dir + f);
    if (data === undefined) throw new Error(`${archive}: ${dir}${f} is missing`);
    for (const line of strictUtf8.decode(data).split('\n')) {
      const l = line.replace(/\r$/, '');
      if (l.trim() === '') continue;
      const tab = l.lastIndexOf('\t');
      rows.push({
        text: l.slice(0, tab),
        label: l.slice(tab + 1).trim() === '1' ? 'positive' : 'negative',
      });
    }
  }
  return new Map([['all.csv', rows]]);
}

/** bbc-fulltext.zip: bbc/<topic>/NNN.txt → all.csv, by file number then topic. */
async function convertBbc(archive: string): Promise<Map<string, LabelledRow[]>> {
  const re = /^bbc\/([a-z]+)\/(\d+)\.txt$/;
  const files = await readZip(archive, (n) => re.test(n));
  const rows = [...files].map(([name, data]) => {
    const m = re.exec(name) as RegExpExecArray;
    return {
      n: Number(m[2]),
      key: m[1] as string,
      row: { text: decodeText(data), label: m[1] as string },
    };
  });
  return new Map([['all.csv', rows.sort(byNumberThen).map((r) => r.row)]]);
}

export const CONVERTERS: Record<
  ConverterId,
  (archive: string) => Promise<Map<string, LabelledRow[]>>
> = {
  imdb: convertImdb,
  sst2: convertSst2,
  uci_sentiment: convertUci,
  bbc_news: convertBbc,
};
