/**
 * Messages between the page and the batch worker (workers/batch-worker.ts).
 * @module
 */
export interface BatchStart {
  type: 'start';
  /** The compiled engine (no second download or compile in the worker). */
  engine: WebAssembly.Module;
  model: Uint8Array;
  csv: string;
  /** Column holding the texts; null: `text`, else the first column. */
  textColumn: string | null;
}

export type BatchMessage =
  | {
      type: 'columns';
      columns: string[];
      textColumn: string;
      labelColumn: string | null;
      rows: number;
    }
  | { type: 'progress'; done: number; total: number }
  | {
      type: 'done';
      rows: number;
      ms: number;
      classes: string[];
      counts: Record<string, number>;
      /** With a label column: share of rows whose label equals the prediction. */
      accuracy: number | null;
      csv: Blob;
      jsonl: Blob;
    }
  | { type: 'error'; code: string; message: string };
