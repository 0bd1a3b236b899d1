/**
 * Batch scoring for `sentio predict`: stream rows from a CSV / TSV / JSONL /
 * text-per-line file (ts/data's readRows), score each batch with
 * predictBatchAsync, and write one output record per input row, in input
 * order, as JSONL or CSV. A file output is written to a temp file and
 * renamed at the end, so an interrupted run never leaves half a file under
 * the requested name.
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { readRows } from '../data/index.js';
import type { Engine, EngineModel } from '../engine/index.js';
import { SentioError } from '../errors/index.js';
import { openRegistry, type Registry } from '../registry/index.js';
import { engineOrFail, loadVersionModel } from './load-version.js';
import {
  CSV_HEADER,
  formatRecord,
  type OutputFormat,
  outputFormat,
  type PredictionRecord,
} from './predict-format.js';
import { type ProgressFactory, silentProgress } from './progress.js';

/** Score texts: records in input order. */
export async function scoreRecords(
  model: EngineModel,
  rows: ReadonlyArray<{ text: string; line?: number }>,
): Promise<PredictionRecord[]> {
  const batch = await model.predictBatchAsync(rows.map((r) => r.text));
  const k = model.classes.length;
  return rows.map((r, i) => {
    const probabilities: Record<string, number> = {};
    model.classes.forEach((c, j) => {
      probabilities[c] = batch.probabilities[i * k + j] ?? 0;
    });
    return {
      ...(r.line !== undefined ? { line: r.line } : {}),
      text: r.text,
      label: batch.labelNames[i] as string,
      probabilities,
    };
  });
}

function write(stream: Writable, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    stream.once('error', onError);
    const ok = stream.write(chunk, (err) => {
      if (err) reject(err);
    });
    const done = () => {
      stream.off('error', onError);
      resolve();
    };
    if (ok) done();
    else stream.once('drain', done);
  });
}

export interface PredictRequest {
  store: string | Registry;
  /** NAME, NAME@VERSION, NAME@ALIAS or NAME@latest. */
  ref: string;
  /** Texts to score (`--text`); otherwise `input` is read. */
  texts?: string[];
  input?: string;
  /** Output file (.jsonl or .csv); without it records go to `stdout`. */
  output?: string;
  textColumn?: string;
  batchSize?: number;
  engine?: Engine;
  progress?: ProgressFactory;
  /** Where records go when there is no output file (default process.stdout). */
  stdout?: Writable;
}

export interface PredictResult {
  model: string;
  version: number;
  classes: string[];
  rows: number;
  skipped: number;
  output: string | null;
  format: OutputFormat;
  /** The records, for `texts` only (file input is streamed, not kept). */
  predictions: PredictionRecord[] | null;
}

export async function predict(req: PredictRequest): Promise<PredictResult> {
  if ((req.texts === undefined) === (req.input === undefined)) {
    throw new SentioError('CLI_USAGE', 'give either --text TEXT or --input FILE');
  }
  const format = outputFormat(req.output);
  const engine = await engineOrFail(req.engine);
  const reg =
    typeof req.store === 'string' ? await openRegistry(req.store, { readonly: true }) : req.store;
  try {
    const { version, model } = await loadVersionModel(reg, req.ref, engine);
    try {
      const base = {
        model: version.model,
        version: version.version,
        classes: [...model.classes],
        format,
      };
      if (req.texts) {
        const predictions = await scoreRecords(
          model,
          req.texts.map((text) => ({ text })),
        );
        if (req.output) {
          await writeAll(req.output, format, predictions);
        }
        return {
          ...base,
          rows: predictions.length,
          skipped: 0,
          output: req.output ?? null,
          predictions,
        };
      }
      const counts = await streamFile(req, model, format);
      return { ...base, ...counts, output: req.output ?? null, predictions: null };
    } finally {
      model.dispose();
    }
  } finally {
    if (typeof req.store === 'string') await reg.close();
  }
}

async function writeAll(file: string, format: OutputFormat, records: PredictionRecord[]) {
  const { stream, commit, abort } = openOutput(file);
  try {
    if (format === 'csv') await write(stream, CSV_HEADER);
    for (const r of records) await write(stream, formatRecord(r, format));
    await commit();
  } catch (e) {
    await abort();
    throw e;
  }
}

/** A temp file next to `file`, renamed onto it by commit(). */
function openOutput(file: string): {
  stream: WriteStream;
  commit: () => Promise<void>;
  abort: () => Promise<void>;
} {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const stream = createWriteStream(tmp);
  const close = () =>
    new Promise<void>((resolve, reject) => {
      stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  return {
    stream,
    commit: async () => {
      await close();
      await rename(tmp, file);
    },
    abort: async () => {
      stream.destroy();
      await rm(tmp, { force: true });
    },
  };
}

async function streamFile(
  req: PredictRequest,
  model: EngineModel,
  format: OutputFormat,
): Promise<{ rows: number; skipped: number }> {
  const input = req.input as string;
  const labels = /\.txt(\.gz)?$/i.test(input) ? 'none' : 'optional';
  const out = req.output ? openOutput(req.output) : null;
  const stream: Writable = out?.stream ?? req.stdout ?? process.stdout;
  const progress = req.progress ?? silentProgress;
  let bar: ReturnType<ProgressFactory> | undefined;
  let rows = 0;
  let skipped = 0;
  try {
    if (format === 'csv') await write(stream, CSV_HEADER);
    const reader = readRows(input, {
      labels,
      ...(req.textColumn ? { textColumn: req.textColumn } : {}),
      batchSize: req.batchSize ?? 2000,
      onProgress: (done, total) => {
        bar ??= progress(`predicting ${path.basename(input)}`, Math.ceil(total / 1024), 'kB');
        bar.update(Math.floor(done / 1024));
      },
    });
    // Iterated by hand: the generator's return value holds the read stats.
    for (;;) {
      const step = await reader.next();
      if (step.done) {
        skipped = step.value?.stats.skipped ?? 0;
        break;
      }
      if (step.value.length === 0) continue;
      const records = await scoreRecords(model, step.value);
      await write(stream, records.map((r) => formatRecord(r, format)).join(''));
      rows += records.length;
    }
    bar?.done();
    if (out) await out.commit();
  } catch (e) {
    bar?.done();
    if (out) await out.abort();
    throw e;
  }
  return { rows, skipped };
}
