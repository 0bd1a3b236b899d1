/**
 * How the pipeline reports progress without depending on the CLI: callers
 * pass a factory (the CLI passes its terminal progress bar), the library
 * default reports nothing.
 * @module
 */

/** One phase's progress (same shape as the CLI's progress bar). */
export interface PhaseProgress {
  tick(n?: number): void;
  update(done: number): void;
  done(summary?: string): void;
}

/** Start a phase: a label, a total (0 when unknown) and a unit. */
export type ProgressFactory = (label: string, total: number, unit: string) => PhaseProgress;

const SILENT: PhaseProgress = { tick() {}, update() {}, done() {} };

export const silentProgress: ProgressFactory = () => SILENT;
