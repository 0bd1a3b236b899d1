/**
 * One WebSocket client: many requests in flight, answered as they finish
 * (out of order, matched by the client's `id`), with two brakes that keep
 * the server's memory bounded whatever the client does:
 *
 * - in flight: at `wsMaxInFlight` unanswered requests the connection stops
 *   reading (TCP pushes back on the client) until answers go out;
 * - backpressure: when more than `wsHighWaterBytes` of answers are queued
 *   because the client does not read them, reading pauses too; if it stays
 *   that way for `wsStallTimeoutMs` the connection is closed with 1008 and
 *   the reason, then dropped if the client does not even read the close.
 *
 * Every bad message (not UTF-8, not JSON, wrong shape, too large, unknown
 * model...) is answered with `{"id", "error": {"code", "message"}}` and the
 * connection stays open.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import { SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import type { Routed } from '../model-catalog.js';
import type { PredictResponse } from '../predict.js';
import { predictRouted } from '../routed-predict.js';
import { checkRoutingKey, typeName, validatePredictRequest } from '../validate-request.js';

const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['id', 'model', 'type', 'key']);
const BACKPRESSURE_CHECK_MS = 25;

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;

type ClientId = string | number | null;

function clientId(msg: unknown): { id: ClientId; ok: boolean } {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return { id: null, ok: false };
  const id = (msg as { id?: unknown }).id;
  if (typeof id === 'number' && Number.isFinite(id)) return { id, ok: true };
  if (typeof id === 'string' && id.length > 0 && id.length <= 128) return { id, ok: true };
  return { id: null, ok: false };
}

export class WsConnection {
  private inFlight = 0;
  private pausedForInFlight = false;
  private pausedForBackpressure = false;
  private stalledSince = 0;
  private checkTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private drainWaiters: Array<() => void> = [];
  /** Set by the heartbeat on each pong; a client that misses one is dropped. */
  alive = true;
  /** Why the connection ended, for sentio_ws_disconnects_total (null: the client closed it). */
  closeLabel: string | null = null;

  constructor(
    readonly ws: WebSocket,
    private readonly ctx: ServerContext,
    private readonly log: FastifyBaseLogger,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
  }

  get pending(): number {
    return this.inFlight;
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], _isBinary: boolean): void {
    const t0 = performance.now();
    const buf = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    const limits = this.ctx.options.limits;
    if (buf.length > limits.wsMaxMessageBytes) {
      this.fail(
        null,
        new SentioError(
          'SERVE_MESSAGE_TOO_LARGE',
          `the message is ${buf.length} bytes; the limit is ${limits.wsMaxMessageBytes}`,
        ),
        t0,
      );
      return;
    }
    if (!isUtf8(buf)) {
      this.fail(null, new SentioError('SERVE_INVALID_UTF8', 'the message is not valid UTF-8'), t0);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch (e) {
      const why = (e as Error).message;
      this.fail(
        null,
        new SentioError(
          'SERVE_INVALID_JSON',
          `the message is not valid JSON: ${why.length > 160 ? `${why.slice(0, 160)}…` : why}`,
        ),
        t0,
      );
      return;
    }
    const { id, ok } = clientId(msg);
    if (!ok) {
      this.fail(
        null,
        new SentioError(
          'SERVE_INVALID_REQUEST',
          msg !== null && typeof msg === 'object' && !Array.isArray(msg)
            ? 'id must be a number or a string of 1 to 128 characters'
            : `a message must be a JSON object with an id, got ${typeName(msg)}`,
        ),
        t0,
      );
      return;
    }
    const m = msg as Record<string, unknown>;
    if (m.type !== undefined && m.type !== 'predict') {
      if (m.type === 'ping') {
        this.send({ type: 'pong', id });
        return;
      }
      this.fail(
        id,
        new SentioError('SERVE_INVALID_REQUEST', 'type must be "predict" (default) or "ping"'),
        t0,
      );
      return;
    }
    if (typeof m.model !== 'string' || m.model === '') {
      this.fail(
        id,
        new SentioError(
          'SERVE_INVALID_REQUEST',
          `model must be a model name, got ${typeName(m.model)}`,
        ),
        t0,
      );
      return;
    }
    let routed: Routed;
    let req: ReturnType<typeof validatePredictRequest>;
    try {
      req = validatePredictRequest(m, limits, ENVELOPE_FIELDS);
      const key = m.key !== undefined ? checkRoutingKey(m.key, 'key') : null;
      routed = this.ctx.catalog.route(m.model, req, key ?? req.text ?? (req.texts?.[0] as string));
    } catch (e) {
      this.fail(id, e, t0);
      return;
    }
    this.inFlight++;
    if (this.inFlight >= limits.wsMaxInFlight && !this.pausedForInFlight) {
      this.pausedForInFlight = true;
      this.ws.pause();
    }
    predictRouted(routed, req, this.ctx.predict, (err, res) => {
      this.inFlight--;
      if (err !== null) this.fail(id, err, t0);
      else this.answer(id, res as PredictResponse, t0);
      if (this.pausedForInFlight && this.inFlight <= limits.wsMaxInFlight >> 1) {
        this.pausedForInFlight = false;
        this.maybeResume();
      }
      if (this.inFlight === 0 && this.drainWaiters.length > 0) {
        for (const w of this.drainWaiters.splice(0)) w();
      }
    });
  }

  private answer(id: ClientId, res: PredictResponse, t0: number): void {
    this.ctx.metrics.ws(true, (performance.now() - t0) / 1000);
    // `arm` is undefined for requests naming a version: JSON leaves it out.
    if ('predictions' in res) {
      this.send({
        id,
        model: res.model,
        version: res.version,
        arm: res.arm,
        predictions: res.predictions,
      });
    } else {
      const out: Record<string, unknown> = {
        id,
        model: res.model,
        version: res.version,
        arm: res.arm,
        label: res.label,
        probabilities: res.probabilities,
        predictionId: res.id,
      };
      if (res.explanation !== undefined) out.explanation = res.explanation;
      this.send(out);
    }
  }

  private fail(id: ClientId, e: unknown, t0: number): void {
    const err = e instanceof SentioError ? e : new SentioError('INTERNAL', 'internal error');
    if (err.code === 'INTERNAL') this.log.error({ err: e }, 'unexpected WebSocket error');
    this.ctx.metrics.error(String(err.code), 'ws');
    this.ctx.metrics.ws(false, (performance.now() - t0) / 1000);
    this.send({ id, error: { code: err.code, message: err.message } });
  }

  private send(obj: unknown): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(obj));
    if (
      !this.pausedForBackpressure &&
      this.ws.bufferedAmount > this.ctx.options.limits.wsHighWaterBytes
    ) {
      this.pausedForBackpressure = true;
      this.stalledSince = Date.now();
      this.ws.pause();
      this.watchBackpressure();
    }
  }

  /** While paused for a slow reader: resume when it catches up, close if it never does. */
  private watchBackpressure(): void {
    if (this.checkTimer !== null) return;
    const limits = this.ctx.options.limits;
    this.checkTimer = setInterval(() => {
      if (this.ws.readyState !== this.ws.OPEN) {
        this.stopWatching();
        return;
      }
      if (this.ws.bufferedAmount <= limits.wsHighWaterBytes >> 1) {
        this.pausedForBackpressure = false;
        this.stopWatching();
        this.maybeResume();
      } else if (Date.now() - this.stalledSince > limits.wsStallTimeoutMs) {
        this.stopWatching();
        this.log.warn(
          { event: 'ws_backpressure_close', buffered: this.ws.bufferedAmount },
          'closing a WebSocket client that does not read its answers',
        );
        this.close(
          CLOSE_POLICY,
          `SERVE_BACKPRESSURE: ${this.ws.bufferedAmount} bytes of answers unread for ${limits.wsStallTimeoutMs} ms`,
          'backpressure',
        );
      }
    }, BACKPRESSURE_CHECK_MS);
    this.checkTimer.unref();
  }

  private stopWatching(): void {
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    this.checkTimer = null;
  }

  private maybeResume(): void {
    if (!this.pausedForInFlight && !this.pausedForBackpressure && !this.closing) this.ws.resume();
  }

  /** Close with a code and reason; drop the socket if the peer does not complete the handshake. */
  close(code: number, reason: string, label: string): void {
    if (this.closing) return;
    this.closing = true;
    this.closeLabel = label;
    this.stopWatching();
    // A close reason is at most 123 bytes.
    this.ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  /** Graceful shutdown: stop reading, let in-flight answers go out (bounded), then close. */
  async drainAndClose(timeoutMs: number): Promise<void> {
    this.ws.pause();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        t.unref();
        this.drainWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.close(CLOSE_GOING_AWAY, 'SERVE_SHUTTING_DOWN: the server is shutting down', 'shutdown');
  }

  dispose(): void {
    this.stopWatching();
    for (const w of this.drainWaiters.splice(0)) w();
  }
}
