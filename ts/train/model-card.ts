/**
 * The generated model card (markdown) stored with every version: what the
 * model is for, the data it saw, how it scored, and the exact configuration,
 * so a reader of the registry needs nothing else to judge it.
 * @module
 */
import type { MetricsReport, ResolvedTrainConfig } from '../engine/index.js';

/** The facts of a dataset the card shows (a subset of ts/data's fingerprint). */
export interface CardDataset {
  path: string;
  sha256: string;
  rows: number;
  labels: Record<string, number>;
  textLength?: { min: number; max: number; mean: number; p50: number; p90: number };
}

export interface CardCrossValidation {
  k: number;
  metrics: Record<string, { mean: number; std: number }>;
}

export interface CardInput {
  model: string;
  description?: string;
  createdAt: string;
  runId: string;
  experiment: string;
  sentioVersion: string;
  engine: { backend: string; version: string };
  classes: readonly string[];
  nFeatures: number;
  config: ResolvedTrainConfig;
  train: CardDataset;
  /** The evaluation set: a held-out split or a separate test file. */
  evaluation:
    | { kind: 'split'; fraction: number; seed: number; rows: number }
    | { kind: 'file'; dataset: CardDataset };
  report: MetricsReport;
  cv?: CardCrossValidation;
  tags: Record<string, string>;
}

const f3 = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(4);

/** Escape a cell for a markdown table. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdTable(header: string[], rows: string[][]): string {
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function datasetLines(d: CardDataset): string[] {
  const labels = Object.entries(d.labels)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  const lines = [
    `- File: \`${d.path}\``,
    `- sha256: \`${d.sha256}\``,
    `- Rows: ${d.rows} (${labels})`,
  ];
  if (d.textLength) {
    const t = d.textLength;
    lines.push(
      `- Text length (characters): min ${t.min}, median ${t.p50}, p90 ${t.p90}, max ${t.max}, mean ${t.mean.toFixed(1)}`,
    );
  }
  return lines;
}

function configValue(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function renderModelCard(c: CardInput): string {
  const r = c.report;
  const out: string[] = [];
  out.push(`# Model card: ${c.model}`, '');
  if (c.description) out.push(c.description, '');
  out.push(
    `A text classifier (TF-IDF features + ${c.config.classifier} Naive Bayes) that assigns one of ` +
      `${c.classes.length} classes: ${c.classes.map((x) => `\`${x}\``).join(', ')}.`,
    '',
    `- Created: ${c.createdAt} by run \`${c.runId}\` (experiment \`${c.experiment}\`)`,
    `- Sentio ${c.sentioVersion}, engine ${c.engine.version} (${c.engine.backend})`,
    `- Features: ${c.nFeatures}`,
  );
  const tags = Object.entries(c.tags);
  if (tags.length) out.push(`- Tags: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  out.push(
    '',
    '## Intended use',
    '',
    `Classifying short to medium texts like those in the training data into ${c.classes.join(' / ')}. ` +
      'The model sees words and word n-grams only (no word order beyond the n-gram range, no ' +
      'context, no world knowledge); expect it to degrade on text from another domain, language ' +
      'or period than its training data. Check accuracy on your own labelled sample (`sentio eval`) ' +
      'before relying on it, and do not use it alone for decisions with consequences for people.',
    '',
    '## Training data',
    '',
    ...datasetLines(c.train),
    '',
    '## Evaluation',
    '',
  );
  if (c.evaluation.kind === 'split') {
    out.push(
      `Held-out stratified split: ${(c.evaluation.fraction * 100).toFixed(0)}% of the data ` +
        `(${c.evaluation.rows} rows, seed ${c.evaluation.seed}); the model was trained on the rest.`,
    );
  } else {
    out.push('Separate test file:', '', ...datasetLines(c.evaluation.dataset));
  }
  out.push(
    '',
    `- Accuracy: **${f3(r.accuracy)}**`,
    `- Log loss: ${f3(r.log_loss)}`,
    `- Macro F1: ${f3(r.macro_avg.f1)} · weighted F1: ${f3(r.weighted_avg.f1)}`,
    '',
    mdTable(
      ['class', 'precision', 'recall', 'f1', 'support'],
      [
        ...r.per_class.map((p) => [
          p.label,
          f3(p.precision),
          f3(p.recall),
          f3(p.f1),
          `${p.support}`,
        ]),
        [
          'macro avg',
          f3(r.macro_avg.precision),
          f3(r.macro_avg.recall),
          f3(r.macro_avg.f1),
          `${r.n}`,
        ],
        [
          'weighted avg',
          f3(r.weighted_avg.precision),
          f3(r.weighted_avg.recall),
          f3(r.weighted_avg.f1),
          `${r.n}`,
        ],
      ],
    ),
    '',
    'Confusion matrix (rows: true class, columns: predicted):',
    '',
    mdTable(
      ['true / predicted', ...r.labels],
      r.confusion_matrix.map((row, i) => [r.labels[i] ?? '', ...row.map(String)]),
    ),
  );
  if (c.cv) {
    out.push(
      '',
      `### ${c.cv.k}-fold cross-validation (training data)`,
      '',
      mdTable(
        ['metric', 'mean', 'std'],
        Object.entries(c.cv.metrics).map(([m, s]) => [m, f3(s.mean), f3(s.std)]),
      ),
    );
  }
  out.push(
    '',
    '## Configuration',
    '',
    mdTable(
      ['option', 'value'],
      Object.entries(c.config).map(([k, v]) => [k, configValue(v)]),
    ),
    '',
    '## Usage',
    '',
    '```sh',
    `sentio predict ${c.model}@VERSION --text "some text"`,
    `sentio predict ${c.model}@VERSION --input texts.csv --output predictions.jsonl`,
    `sentio eval ${c.model}@VERSION --data labelled.csv`,
    '```',
    '',
  );
  return out.join('\n');
}
