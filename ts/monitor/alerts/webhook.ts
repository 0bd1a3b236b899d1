/**
 * `WebhookNotifier`: alert notifications as signed JSON POSTs, delivered in
 * the background so evaluation never waits on a receiver.
 *
 * - `notify()` is synchronous and O(1): it puts the notification in a
 *   bounded queue (1000 by default). A full queue drops the *oldest*
 *   notification (the newest state of an alert matters most) and counts it.
 * - One worker delivers in order (a resolved never overtakes its firing),
 *   each POST with a timeout (5 s). Network errors, timeouts, 408, 425, 429
 *   and 5xx are retried with exponential backoff and jitter: attempt n waits
 *   a random time in [d/2, d] with d = min(maxDelay, base·2^(n−1)) (defaults
 *   0.5 s, 30 s, 6 attempts; a Retry-After header raises the wait). Other
 *   4xx answers are final (the receiver refused the request).
 * - Body signed with HMAC-SHA256 when a secret is set (signature.ts);
 *   `X-Sentio-Delivery` is the same on every attempt so receivers can drop
 *   duplicates, `X-Sentio-Attempt` counts them.
 * - `close(timeoutMs)` delivers what is queued within the time, then aborts.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { SentioError } from '../../errors/index.js';
import { SENTIO_VERSION } from '../../registry/index.js';
import { webhookPayload } from './payload.js';
import { SIGNATURE_HEADER, signBody } from './signature.js';
import type { AlertNotification, DeliveryResult, Notifier } from './types.js';

export interface WebhookOptions {
  url: string;
  /** Name in delivery records and metrics (default "webhook:<host>"). */
  name?: string;
  /** Shared secret for the HMAC signature (no signature header without one). */
  secret?: string;
  headers?: Record<string, string>;
  /** Notifications held at most (default 1000). */
  capacity?: number;
  /** Attempts per notification, first included (default 6). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per attempt (default 5000). */
  timeoutMs?: number;
  /** Randomness for the jitter (tests). */
  random?: () => number;
  /** Problems worth a log line (a failed attempt, a drop); never thrown. */
  onError?: (e: unknown) => void;
}

export interface WebhookCounters {
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  attempts: number;
  queueDepth: number;
}

interface Item {
  n: AlertNotification;
  done: ((r: DeliveryResult) => void) | undefined;
  id: string;
}

const RETRY_STATUS = new Set([408, 425, 429]);

/** Wait in [d/2, d], d = min(max, base·2^(attempt−1)). */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return d / 2 + random() * (d / 2);
}

function retryAfterMs(h: string | null): number | null {
  if (h === null) return null;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

export class WebhookNotifier implements Notifier {
  readonly name: string;
  private readonly url: URL;
  private readonly o: Required<
    Pick<WebhookOptions, 'capacity' | 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs'>
  >;
  private readonly queue: Item[] = [];
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly c: WebhookCounters = {
    queued: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
    attempts: 0,
    queueDepth: 0,
  };

  constructor(private readonly opts: WebhookOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new SentioError('ALERT_WEBHOOK_INVALID', `webhook URL "${opts.url}" is not a URL`, {
        url: opts.url,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SentioError(
        'ALERT_WEBHOOK_INVALID',
        `webhook URL "${opts.url}": only http and https are supported`,
        { url: opts.url },
      );
    }
    if (opts.secret !== undefined && opts.secret.length === 0) {
      throw new SentioError('ALERT_WEBHOOK_INVALID', 'webhook secret is empty', { url: url.host });
    }
    this.url = url;
    this.name = opts.name ?? `webhook:${url.host}`;
    this.o = {
      capacity: Math.max(1, opts.capacity ?? 1000),
      maxAttempts: Math.max(1, opts.maxAttempts ?? 6),
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      timeoutMs: opts.timeoutMs ?? 5000,
    };
  }

  counters(): WebhookCounters {
    return { ...this.c, queueDepth: this.queue.length };
  }

  notify(n: AlertNotification, done?: (r: DeliveryResult) => void): void {
    if (this.closed) {
      this.c.dropped++;
      done?.({ notifier: this.name, outcome: 'dropped', attempts: 0, error: 'notifier closed' });
      return;
    }
    if (this.queue.length >= this.o.capacity) {
      const old = this.queue.shift() as Item;
      this.c.dropped++;
      this.report(
        new Error(`${this.name}: queue full (${this.o.capacity}); dropped the oldest notification`),
      );
      old.done?.({ notifier: this.name, outcome: 'dropped', attempts: 0, error: 'queue full' });
    }
    this.queue.push({ n, done, id: randomUUID() });
    this.c.queued++;
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private report(e: unknown): void {
    try {
      this.opts.onError?.(e);
    } catch {
      // a logging hook must not break delivery
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      const item = this.queue.shift();
      if (item === undefined) return;
      const r = await this.deliver(item);
      if (r.outcome === 'delivered') this.c.delivered++;
      else if (r.outcome === 'failed') this.c.failed++;
      else this.c.dropped++;
      try {
        item.done?.(r);
      } catch (e) {
        this.report(e);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      t.unref();
      function done() {
        resolve();
      }
      this.abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** One notification through its attempts. */
  private async deliver(item: Item): Promise<DeliveryResult> {
    const body = JSON.stringify(webhookPayload(item.n, this.name));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `sentio/${SENTIO_VERSION}`,
      'x-sentio-delivery': item.id,
      ...(this.opts.headers ?? {}),
    };
    if (this.opts.secret !== undefined)
      headers[SIGNATURE_HEADER] = signBody(this.opts.secret, body);
    let last = '';
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      if (this.abort.signal.aborted) {
        return {
          notifier: this.name,
          outcome: 'dropped',
          attempts: attempt - 1,
          error: `shut down; last: ${last}`,
        };
      }
      this.c.attempts++;
      let wait: number | null = null;
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { ...headers, 'x-sentio-attempt': String(attempt) },
          body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return { notifier: this.name, outcome: 'delivered', attempts: attempt };
        last = `HTTP ${res.status}`;
        if (!(RETRY_STATUS.has(res.status) || res.status >= 500)) {
          this.report(
            new Error(`${this.name}: ${this.url.origin} refused the notification: ${last}`),
          );
          return { notifier: this.name, outcome: 'failed', attempts: attempt, error: last };
        }
        wait = retryAfterMs(res.headers.get('retry-after'));
      } catch (e) {
        last =
          (e as Error).name === 'TimeoutError'
            ? `timed out after ${this.o.timeoutMs} ms`
            : String((e as Error).cause ?? (e as Error).message);
      }
      this.report(
        new Error(`${this.name}: attempt ${attempt}/${this.o.maxAttempts} failed: ${last}`),
      );
      if (attempt < this.o.maxAttempts) {
        const backoff = backoffDelay(
          attempt,
          this.o.baseDelayMs,
          this.o.maxDelayMs,
          this.opts.random,
        );
        await this.sleep(Math.min(this.o.maxDelayMs, Math.max(backoff, wait ?? 0)));
      }
    }
    return { notifier: this.name, outcome: 'failed', attempts: this.o.maxAttempts, error: last };
  }

  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true;
    if (this.running !== null) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([this.running, late]);
      clearTimeout(timer);
    }
    this.abort.abort();
    // What never got a first attempt is dropped (and reported as such).
    for (const item of this.queue.splice(0)) {
      this.c.dropped++;
      item.done?.({ notifier: this.name, outcome: 'dropped', attempts: 0, error: 'shut down' });
    }
    await this.running;
  }
}
