/**
 * The WebSocket endpoint `/v1/ws` on the HTTP server's `upgrade` event:
 * path, shutdown and API-key checks happen before the handshake (refusals are
 * plain HTTP answers with the usual JSON error body), frames above the hard
 * limit are refused by `ws` itself (close 1009) before they are buffered,
 * UTF-8 is checked by the connection so a bad message gets an error answer
 * instead of a dropped connection, and a heartbeat pings every client and
 * drops the ones that stopped answering.
 * @module
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocketServer } from 'ws';
import { SentioError } from '../../errors/index.js';
import type { ServerContext } from '../context.js';
import { errorBody } from '../http/error-reply.js';
import { WsConnection } from './connection.js';

export const WS_PATH = '/v1/ws';

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

function refuse(socket: Duplex, e: SentioError): void {
  const body = errorBody(e);
  const status = e.httpStatus;
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  setTimeout(() => socket.destroy(), 1000).unref();
}

function pathOf(url: string | undefined): string {
  const q = (url ?? '').indexOf('?');
  return q === -1 ? (url ?? '') : (url ?? '').slice(0, q);
}

export class WsEndpoint {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<WsConnection>();
  private heartbeat: NodeJS.Timeout | null = null;
  private accepting = true;

  constructor(
    server: Server,
    private readonly ctx: ServerContext,
    private readonly log: FastifyBaseLogger,
  ) {
    const limits = ctx.options.limits;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.wsMaxFrameBytes,
      skipUTF8Validation: true,
      perMessageDeflate: false,
      clientTracking: false,
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    this.heartbeat = setInterval(() => this.beat(), limits.wsPingIntervalMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (pathOf(req.url) !== WS_PATH) {
      this.ctx.metrics.error('SERVE_ROUTE_NOT_FOUND', 'ws');
      refuse(socket, new SentioError('SERVE_ROUTE_NOT_FOUND', `WebSocket endpoint is ${WS_PATH}`));
      return;
    }
    if (!this.accepting || this.ctx.state.draining) {
      refuse(socket, new SentioError('SERVE_SHUTTING_DOWN', 'the server is shutting down'));
      return;
    }
    try {
      this.ctx.auth.checkApiKey(req.headers);
    } catch (e) {
      const err = e as SentioError;
      this.ctx.metrics.error(String(err.code), 'ws');
      refuse(socket, err);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new WsConnection(ws, this.ctx, this.log);
      this.connections.add(conn);
      this.ctx.metrics.wsConnections.inc();
      ws.on('error', (err: Error & { code?: string }) => {
        // Protocol errors (oversized frame 1009, bad opcode 1002): ws closes the connection itself.
        conn.closeLabel ??=
          err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame_too_large' : 'protocol_error';
        this.log.debug({ err, event: 'ws_error' }, 'WebSocket protocol error');
      });
      ws.on('close', () => {
        this.connections.delete(conn);
        conn.dispose();
        this.ctx.metrics.wsConnections.dec();
        this.ctx.metrics.disconnected(conn.closeLabel ?? 'client');
      });
    });
  }

  /** Drop clients that missed the last ping; ping the others. */
  private beat(): void {
    for (const c of this.connections) {
      if (!c.alive) {
        c.closeLabel = 'pong_timeout';
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        // closing already
      }
    }
  }

  /** Stop accepting, let in-flight answers go out, close every client with a reason. */
  async close(timeoutMs: number): Promise<void> {
    this.accepting = false;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    await Promise.all([...this.connections].map((c) => c.drainAndClose(timeoutMs)));
    // Wait (bounded) for the close handshakes, so clients see the reason.
    const deadline = Date.now() + 1500;
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const c of this.connections) c.ws.terminate();
    this.wss.close();
  }
}
