/**
 * The event loop's side of the logging thread: starts it, posts messages,
 * matches replies to requests (with a timeout each), and turns the thread's
 * failure (it could not open monitor.db, or crashed) into one logged error
 * and a callback, never an exception on the request path.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import { SentioError } from '../../errors/index.js';
import type { LoggerCounters } from '../../monitor/index.js';
import type { FromLogWorker, LogWorkerInit, ToLogWorker, WireError } from './log-protocol.js';
import { fromWire } from './wire-error.js';

type Request = Extract<ToLogWorker, { seq: number }>;
type Reply = { value: unknown; counters?: LoggerCounters };

export interface LogClientHandlers {
  /** `buffers`: text buffers the thread is done with, to reuse. */
  onAck(n: number, counters: LoggerCounters, buffers: readonly ArrayBuffer[]): void;
  /** The thread is gone (or never started): nothing more will be written. */
  onFailed(): void;
}

const QUIET_MS = 10_000;

export class LogWorkerClient {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private failed = false;
  private readonly lastProblem = new Map<string, number>();
  readonly ready: Promise<boolean>;
  private markReady: (ok: boolean) => void = () => {};

  constructor(
    init: LogWorkerInit,
    private readonly log: FastifyBaseLogger,
    private readonly handlers: LogClientHandlers,
  ) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.worker = new Worker(new URL('./log-worker.js', import.meta.url), {
      workerData: init,
      name: 'sentio-prediction-log',
    });
    this.worker.unref();
    this.worker.on('message', (m: FromLogWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail('prediction_log_thread_crashed', e.message));
    this.worker.on('exit', (code) => {
      if (!this.failed && this.pending.size > 0) {
        this.fail('prediction_log_thread_exited', `the logging thread exited (${code})`);
      }
    });
  }

  get alive(): boolean {
    return !this.failed;
  }

  /** Post a message, moving the buffers in `transfer` to the thread (no copy). */
  post(m: ToLogWorker, transfer?: readonly ArrayBuffer[]): boolean {
    if (this.failed) return false;
    this.worker.postMessage(m, transfer);
    return true;
  }

  request(m: { t: Request['t'] } & Record<string, unknown>, timeoutMs: number): Promise<Reply> {
    if (this.failed) {
      return Promise.reject(
        new SentioError('MONITOR_STORE_NOT_FOUND', 'prediction logging is not running'),
      );
    }
    const seq = ++this.seq;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(
          new SentioError(
            'MONITOR_STORE_BUSY',
            `the prediction log did not answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.pending.set(seq, { resolve, reject, timer });
      this.worker.postMessage({ ...m, seq } as ToLogWorker);
    });
  }

  /** Stop the thread (after a `close` request was answered, or at once). */
  async terminate(): Promise<void> {
    this.failed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SentioError('SERVE_SHUTTING_DOWN', 'the server is shutting down'));
    }
    this.pending.clear();
    await this.worker.terminate();
  }

  private onMessage(m: FromLogWorker): void {
    switch (m.t) {
      case 'ready':
        this.markReady(true);
        return;
      case 'init_failed':
        this.log.error(
          { event: 'prediction_log_unavailable', code: m.error.code, err: m.error.message },
          `prediction logging is off: ${m.error.message} (predictions are still served)`,
        );
        this.markReady(false);
        this.fail(null, m.error.message);
        return;
      case 'ack':
        this.handlers.onAck(m.n, m.counters, m.buffers ?? []);
        return;
      case 'reply': {
        const p = this.pending.get(m.seq);
        if (p === undefined) return;
        this.pending.delete(m.seq);
        clearTimeout(p.timer);
        if (m.ok) {
          if (m.counters !== undefined) this.handlers.onAck(0, m.counters, []);
          p.resolve({ value: m.value, ...(m.counters ? { counters: m.counters } : {}) });
        } else p.reject(fromWire(m.error));
        return;
      }
      case 'attached':
        this.log.info(
          {
            event: 'prediction_log_attached',
            model: m.model,
            version: m.version,
            drift: m.drift,
            ms: Math.round(m.ms),
          },
          `logging ${m.model}@${m.version} (drift accounting: ${m.drift})`,
        );
        return;
      case 'problem':
        this.problem(m.event, m.error);
        return;
    }
  }

  /** Log a problem at most every 10 s per kind (a broken disk must not flood the log). */
  private problem(event: string, e: WireError): void {
    const now = Date.now();
    const last = this.lastProblem.get(event) ?? 0;
    if (now - last < QUIET_MS) return;
    this.lastProblem.set(event, now);
    this.log.warn({ event, code: e.code, err: e.message }, `prediction log: ${e.message}`);
  }

  private fail(event: string | null, message: string): void {
    if (this.failed) return;
    this.failed = true;
    if (event !== null) {
      this.log.error({ event, err: message }, `prediction logging stopped: ${message}`);
    }
    this.markReady(false);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SentioError('MONITOR_STORE_INVALID', `prediction logging stopped: ${message}`));
    }
    this.pending.clear();
    this.handlers.onFailed();
  }
}
