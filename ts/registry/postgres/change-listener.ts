/**
 * Registry changes pushed by PostgreSQL: every write transaction ends with
 * `NOTIFY sentio_changes` (database.ts), delivered to listeners when it
 * commits. A `ChangeListener` holds one dedicated connection (outside the
 * pool, which would recycle it) that LISTENs, and tells its subscriber:
 *
 * - `change`: someone committed a write (re-read now);
 * - `connected`: the connection is (re)established and listening. Anything
 *   committed while it was down was not notified, so this means "re-read
 *   now" as well: that is how a server catches up on moves it missed;
 * - `disconnected`: the connection was lost (the server keeps what it has).
 *
 * A lost connection is noticed at once when the server closes it
 * (`pg_ctl stop`, a restart) and within `heartbeatMs + heartbeatTimeoutMs`
 * when the network silently drops packets (a cut link): a `SELECT 1`
 * heartbeat that does not answer in time ends the connection. Reconnection
 * retries with jittered exponential backoff (100 ms doubling to 5 s) until
 * it succeeds or the listener is closed.
 * @module
 */
import pg from 'pg';
import { CHANGES_CHANNEL, PG_SCHEMA } from './database.js';

export { CHANGES_CHANNEL };

export type ChangeEvent =
  | { type: 'change' }
  | { type: 'connected'; reconnect: boolean }
  | { type: 'disconnected'; error: string };

export interface ChangeListenerOptions {
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Drop a client at once, even when its network is gone (end() would wait for the server). */
function destroy(c: pg.Client): void {
  const stream = (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection
    ?.stream;
  stream?.destroy();
  c.end().catch(() => {});
}

export class ChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private attempt = 0;
  private everConnected = false;
  private up = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly o: Required<ChangeListenerOptions>;

  constructor(
    private readonly url: string,
    private readonly onEvent: (e: ChangeEvent) => void,
    opts: ChangeListenerOptions = {},
  ) {
    this.o = {
      heartbeatMs: opts.heartbeatMs ?? 1000,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 2000,
      minBackoffMs: opts.minBackoffMs ?? 100,
      maxBackoffMs: opts.maxBackoffMs ?? 5000,
    };
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({
      connectionString: this.url,
      options: `-c search_path=${PG_SCHEMA}`,
      application_name: 'sentio-listen',
      connectionTimeoutMillis: 3000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
    });
    let lost = false;
    const onLost = (e: unknown) => {
      if (lost) return;
      lost = true;
      if (this.client === c) this.client = null;
      this.stopHeartbeat();
      c.removeAllListeners('notification');
      destroy(c);
      if (this.closed) return;
      this.down(e);
      this.scheduleReconnect();
    };
    c.on('error', onLost);
    c.on('end', () => onLost(new Error('connection ended')));
    c.on('notification', (n) => {
      if (n.channel === CHANGES_CHANNEL) this.onEvent({ type: 'change' });
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (e) {
      if (!lost) {
        lost = true;
        destroy(c);
        if (!this.closed) {
          this.down(e);
          this.scheduleReconnect();
        }
      }
      return;
    }
    if (this.closed) {
      await c.end().catch(() => {});
      return;
    }
    this.client = c;
    this.attempt = 0;
    this.up = true;
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.startHeartbeat(c, onLost);
    this.onEvent({ type: 'connected', reconnect });
  }

  /** Report an outage once (not once per failed reconnection attempt). */
  private down(e: unknown): void {
    const first = this.up || !this.everConnected;
    this.up = false;
    if (first && (this.everConnected || this.attempt === 0)) {
      this.onEvent({ type: 'disconnected', error: e instanceof Error ? e.message : String(e) });
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry !== null) return;
    const base = Math.min(this.o.maxBackoffMs, this.o.minBackoffMs * 2 ** this.attempt);
    this.attempt++;
    this.retry = setTimeout(
      () => {
        this.retry = null;
        void this.connect();
      },
      base * (0.5 + Math.random() / 2),
    );
    this.retry.unref();
  }

  private startHeartbeat(c: pg.Client, onLost: (e: unknown) => void): void {
    const beat = () => {
      this.heartbeat = null;
      if (this.closed || this.client !== c) return;
      let answered = false;
      const deadline = setTimeout(() => {
        if (!answered)
          onLost(new Error(`no answer to a heartbeat in ${this.o.heartbeatTimeoutMs} ms`));
      }, this.o.heartbeatTimeoutMs);
      deadline.unref();
      c.query('SELECT 1').then(
        () => {
          answered = true;
          clearTimeout(deadline);
          if (this.client === c && !this.closed) {
            this.heartbeat = setTimeout(beat, this.o.heartbeatMs);
            this.heartbeat.unref();
          }
        },
        (e) => {
          answered = true;
          clearTimeout(deadline);
          onLost(e);
        },
      );
    };
    this.heartbeat = setTimeout(beat, this.o.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopHeartbeat();
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    const c = this.client;
    this.client = null;
    if (c !== null) await c.end().catch(() => {});
  }
}
